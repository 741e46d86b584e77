package io.edgenode.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code x-edgenode-metadata}: a JSON object of string (or number, boolean) values the ledger
 * keeps with the request, as AI Gateway's custom metadata: at most {@value #MAX_PAIRS} pairs,
 * keys up to 64 and values up to 256 characters. What does not fit is left out rather than
 * refusing the request: metadata must never cost a client its reply. Stateless.
 */
final class MetadataHeader {
    static final int MAX_PAIRS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();

    private MetadataHeader() {}

    static Map<String, String> parse(String header) {
        if (header == null || header.isBlank() || header.length() > 4096) {
            return Map.of();
        }
        JsonNode n;
        try {
            n = JSON.readTree(header);
        } catch (java.io.IOException e) {
            return Map.of();
        }
        if (n == null || !n.isObject()) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext() && out.size() < MAX_PAIRS; ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (e.getKey().isEmpty() || e.getKey().length() > 64 || !(v.isTextual() || v.isNumber() || v.isBoolean())) {
                continue;
            }
            String text = v.asText();
            out.put(e.getKey(), text.length() > 256 ? text.substring(0, 256) : text);
        }
        return out;
    }
}
