package io.edgenode.core.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One function tool a request offers (OpenAI's {@code tools[i].function}): its name, description
 * (may be empty), JSON-schema {@code parameters} (an object schema; {@code {"type":"object"}} when
 * the request gave none) and whether it is {@code strict}.
 */
public record ToolSpec(String name, String description, JsonNode parameters, boolean strict) {
    public ToolSpec {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        Objects.requireNonNull(parameters, "parameters");
    }
}
