package io.edgenode.server.gateway;

import java.util.Locale;

/**
 * What a key may reach. {@code INFERENCE}: models, chat and text completions, embeddings, vector
 * indexes; {@code SESSIONS}: {@code /v1/sessions}; {@code ADMIN}: {@code /admin/*} and
 * {@code /metrics}. {@code /health} and {@code /ready} need no key.
 */
public enum EndpointGroup {
    INFERENCE, SESSIONS, ADMIN;

    /** The name in JSON, the CLI and models.yaml. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The group named {@code name} (case-insensitive). */
    public static EndpointGroup parse(String name) {
        for (EndpointGroup g : values()) {
            if (g.wireName().equalsIgnoreCase(name)) {
                return g;
            }
        }
        throw new IllegalArgumentException("unknown endpoint group '" + name + "' (inference, sessions, admin)");
    }
}
