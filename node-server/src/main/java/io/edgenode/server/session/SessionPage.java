package io.edgenode.server.session;

import java.util.List;

/**
 * One page of {@link SessionStore#list}.
 *
 * @param hasMore whether a next page exists
 * @param lastId  the id of the last session of this page (pass it as {@code after} for the next page); null when empty
 */
public record SessionPage(List<Session> sessions, boolean hasMore, String lastId) {
    public SessionPage {
        sessions = List.copyOf(sessions);
    }
}
