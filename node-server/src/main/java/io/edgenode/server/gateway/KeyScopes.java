package io.edgenode.server.gateway;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What one API key may do.
 *
 * @param models model ids or aliases the key may request and be served (checked against the
 *     requested name and every {@code auto} or fallback target); empty: every model
 * @param groups endpoint groups the key may call; never empty
 * @param maxConcurrentStreams generations the key may have running at once; 0: no limit
 * @param sessionPrefix session ids the key may create and use must start with it; null: any
 */
public record KeyScopes(Set<String> models, Set<EndpointGroup> groups, int maxConcurrentStreams, String sessionPrefix) {
    /** Inference and sessions on every model, no stream limit, any session. */
    public static final KeyScopes DEFAULT = new KeyScopes(Set.of(), EnumSet.of(EndpointGroup.INFERENCE,
            EndpointGroup.SESSIONS), 0, null);

    public KeyScopes {
        models = Set.copyOf(models);
        groups = groups.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(groups));
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("a key needs at least one endpoint group");
        }
        if (maxConcurrentStreams < 0) {
            throw new IllegalArgumentException("max concurrent streams must be >= 0 (0: no limit)");
        }
        if (sessionPrefix != null && sessionPrefix.isEmpty()) {
            sessionPrefix = null;
        }
    }

    public boolean allows(EndpointGroup g) {
        return groups.contains(g);
    }

    /** Whether the key may request or be served {@code model} (an id or an alias of it). */
    public boolean allowsModel(String model) {
        return models.isEmpty() || models.contains(Objects.requireNonNull(model));
    }

    public boolean allowsSession(String sessionId) {
        return sessionPrefix == null || sessionId.startsWith(sessionPrefix);
    }
}
