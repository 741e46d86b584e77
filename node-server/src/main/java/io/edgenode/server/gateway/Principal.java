package io.edgenode.server.gateway;

/**
 * Who a request comes from, once authenticated: an API key, or nobody on a keyless node.
 *
 * @param key null on a keyless node
 */
public record Principal(ApiKey key) {
    /** A keyless node's caller: every scope, no limits, the shared cache scope. */
    public static final Principal KEYLESS = new Principal(null);

    public boolean keyless() {
        return key == null;
    }

    /** The key's id, or null keyless. */
    public String keyId() {
        return key == null ? null : key.id();
    }

    /**
     * The tenant for fair scheduling and cache isolation: the key, never the client-supplied
     * {@code user} field; keyless nodes use {@code user} for fairness and one shared cache scope.
     */
    public String tenant(String user) {
        return key != null ? key.id() : user == null ? "" : user;
    }

    /** Whose cached KV this principal's requests may reuse: its own key's; keyless: the shared scope. */
    public String cacheScope() {
        return key == null ? "" : key.id();
    }

    public KeyScopes scopes() {
        return key == null ? KEYLESS_SCOPES : key.scopes();
    }

    public KeyLimits limits() {
        return key == null ? KeyLimits.NONE : key.limits();
    }

    private static final KeyScopes KEYLESS_SCOPES = new KeyScopes(java.util.Set.of(),
            java.util.EnumSet.allOf(EndpointGroup.class), 0, null);
}
