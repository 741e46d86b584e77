package io.edgenode.server.jobs;

import java.net.URI;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The node's settings a schedule request is checked against. Immutable.
 *
 * @param defaultMissed  the {@code missed} policy of a request that names none
 * @param webhookAllowed whether a webhook may POST to a URL (the gateway's allow-list); a URL it refuses is a 400
 *                       {@code url_not_allowed} before anything is stored
 */
public record ScheduleRules(MissedPolicy defaultMissed, Predicate<URI> webhookAllowed) {
    public ScheduleRules {
        Objects.requireNonNull(defaultMissed, "defaultMissed");
        Objects.requireNonNull(webhookAllowed, "webhookAllowed");
    }
}
