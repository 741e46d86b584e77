package io.edgenode.bench.load;

import java.net.URI;
import java.util.Objects;

/**
 * One OpenAI-compatible server under test. Immutable.
 *
 * @param name    the label in reports (unique within a run)
 * @param baseUri scheme, host, port and an optional path prefix; {@code /v1/...} is resolved against it
 * @param model   the {@code model} field sent in every request
 * @param apiKey  sent as {@code Authorization: Bearer ...} when not empty
 */
public record Endpoint(String name, URI baseUri, String model, String apiKey) {
    public Endpoint {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(baseUri, "baseUri");
        Objects.requireNonNull(model, "model");
        apiKey = apiKey == null ? "" : apiKey;
        String path = baseUri.getPath() == null || baseUri.getPath().isEmpty() ? "/" : baseUri.getPath();
        if (!path.endsWith("/")) {
            path = path + "/";
        }
        baseUri = baseUri.resolve(path);
    }

    /** {@code v1/chat/completions} etc. against the base (a relative path keeps a prefix such as {@code /api/}). */
    URI resolve(String relativePath) {
        return baseUri.resolve(relativePath.startsWith("/") ? relativePath.substring(1) : relativePath);
    }
}
