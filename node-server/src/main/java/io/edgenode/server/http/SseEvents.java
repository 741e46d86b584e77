package io.edgenode.server.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON payloads of the server-sent events a {@link ResponseFormat} writes ({@code data: <json>\n\n},
 * one or more), and the inverse with an event id. Our formats never put a newline inside a payload,
 * so an event is exactly one {@code data:} line followed by a blank line. Stateless.
 */
final class SseEvents {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

    private SseEvents() {}

    /** The payload of each {@code data:} line in {@code events}, in order (empty for no events). */
    static List<String> payloads(byte[] events) {
        if (events == null || events.length == 0) {
            return List.of();
        }
        List<String> out = new ArrayList<>(1);
        String all = new String(events, StandardCharsets.UTF_8);
        int i = 0;
        while (i < all.length()) {
            int end = all.indexOf('\n', i);
            if (end < 0) {
                end = all.length();
            }
            if (all.startsWith("data: ", i)) {
                out.add(all.substring(i + DATA.length, end));
            }
            i = end + 1;
        }
        return out;
    }

    /** One event with an id: {@code id: <id>\ndata: <payload>\n\n}. */
    static String event(String id, String payload) {
        return "id: " + id + "\ndata: " + payload + "\n\n";
    }
}
