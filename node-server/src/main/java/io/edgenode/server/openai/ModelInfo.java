package io.edgenode.server.openai;

import java.util.Objects;

/**
 * One entry of {@code GET /v1/models}: {@code {"id":...,"object":"model","created":...,"owned_by":...}}.
 *
 * @param created Unix time in seconds (when the model was loaded, or its file's time)
 */
public record ModelInfo(String id, long created, String ownedBy) {
    public ModelInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(ownedBy, "ownedBy");
    }
}
