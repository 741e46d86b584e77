package io.edgenode.server.gateway;

import java.time.Instant;
import java.util.Objects;

/**
 * One API key as the node knows it: everything but its secret, which is stored only as a hash.
 *
 * @param id the key's public id, also the readable prefix of the secret ({@code en_<id>_...}); the
 *     tenant of everything the key does
 * @param name what the operator called it
 * @param revokedAt null while the key works
 */
public record ApiKey(String id, String name, KeyScopes scopes, KeyLimits limits, Instant createdAt, Instant revokedAt) {
    public ApiKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scopes, "scopes");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    public boolean isAdmin() {
        return scopes.allows(EndpointGroup.ADMIN);
    }
}
