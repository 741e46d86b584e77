package io.edgenode.server.openai;

import java.util.List;
import java.util.Objects;

/**
 * Our extension of {@code usage} for a chat request with {@code memory}:
 * {@code "memory":{"index":...,"ids":[...]}}, the vectors whose passages the prompt held (closest
 * first; empty when nothing matched).
 */
public record MemoryUsage(String index, List<String> ids) {
    public MemoryUsage {
        Objects.requireNonNull(index, "index");
        ids = List.copyOf(ids);
    }
}
