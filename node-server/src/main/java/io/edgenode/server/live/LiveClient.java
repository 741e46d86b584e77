package io.edgenode.server.live;

/**
 * One connected client of a session (a WebSocket), as the {@link LiveSession} sees it. Every
 * method is called from any thread and must not block: an implementation queues and writes on
 * its own I/O thread.
 */
public interface LiveClient {
    /** A turn began (or was running when the client joined): deliver its log from its first event. */
    void follow(TurnLog log);

    /** A control message (state, presence) for this client, as JSON. */
    void send(String json);

    /** Closes the connection with a WebSocket close code and reason. */
    void close(int code, String reason);
}
