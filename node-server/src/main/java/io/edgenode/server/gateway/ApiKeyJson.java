package io.edgenode.server.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The admin API's key object: {@code {"id","object":"api_key","name","prefix","scopes","limits",
 * "created_at","revoked_at"}}, times in epoch seconds, never the secret. Stateless.
 */
public final class ApiKeyJson {
    private ApiKeyJson() {}

    public static ObjectNode keyObject(ApiKey k) {
        ObjectNode n = KeyJson.scopesNode(k.scopes()).objectNode();
        n.put("id", k.id());
        n.put("object", "api_key");
        n.put("name", k.name());
        n.put("prefix", KeySecrets.displayPrefix(k.id()));
        n.set("scopes", KeyJson.scopesNode(k.scopes()));
        n.set("limits", KeyJson.limitsNode(k.limits()));
        n.put("created_at", k.createdAt().getEpochSecond());
        if (k.revokedAt() == null) {
            n.putNull("revoked_at");
        } else {
            n.put("revoked_at", k.revokedAt().getEpochSecond());
        }
        return n;
    }

    /** The key object plus the whole secret, shown once. */
    public static ObjectNode withSecret(ApiKey k, String secret) {
        ObjectNode n = keyObject(k);
        n.put("secret", secret);
        return n;
    }
}
