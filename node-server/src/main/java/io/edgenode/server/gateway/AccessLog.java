package io.edgenode.server.gateway;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Structured access log lines, one per request, on the {@code edgenode.access} logger at INFO:
 * {@code key=value} pairs in a fixed order (logfmt: values with spaces, quotes or {@code =} are
 * quoted), so that a log shipper parses them without a grammar per field. Stateless; thread-safe.
 */
public final class AccessLog {
    private static final System.Logger LOG = System.getLogger("edgenode.access");

    /** A request answered before it became an exchange (refused by authentication). */
    public void refused(String requestId, String method, String path, io.edgenode.server.openai.ApiError error,
            long nanos) {
        if (!LOG.isLoggable(System.Logger.Level.INFO)) {
            return;
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("request_id", requestId);
        f.put("method", method);
        f.put("path", path);
        f.put("status", error.status());
        f.put("error", error.code() != null ? error.code() : error.type());
        f.put("duration_ms", Math.round(nanos / 1e4) / 100.0);
        LOG.log(System.Logger.Level.INFO, format(f));
    }

    /** A request that ended; {@code fields} in the order they should appear (null values are left out). */
    public void ended(Map<String, Object> fields) {
        if (LOG.isLoggable(System.Logger.Level.INFO)) {
            LOG.log(System.Logger.Level.INFO, format(fields));
        }
    }

    public boolean enabled() {
        return LOG.isLoggable(System.Logger.Level.INFO);
    }

    static String format(Map<String, Object> fields) {
        StringBuilder b = new StringBuilder(160);
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            if (e.getValue() == null) {
                continue;
            }
            if (!b.isEmpty()) {
                b.append(' ');
            }
            b.append(e.getKey()).append('=');
            String v = String.valueOf(e.getValue());
            if (v.isEmpty() || v.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '=' || c == '\\')) {
                b.append('"');
                v.chars().forEach(c -> {
                    if (c == '"' || c == '\\') {
                        b.append('\\').append((char) c);
                    } else if (c < ' ') {
                        b.append(String.format("\\u%04x", c));
                    } else {
                        b.append((char) c);
                    }
                });
                b.append('"');
            } else {
                b.append(v);
            }
        }
        return b.toString();
    }
}
