package io.edgenode.server.gateway;

import java.util.Map;

/** Usage rows for tests. */
final class UsageRows {
    private UsageRows() {}

    static UsageRecord row(String id, String key, String user, String session, String model, int status,
            long startedAt, int prompt, int cached, int completion, long computeNanos, long costNano) {
        return new UsageRecord(id, key, user, session, "chat_completions", model, model, 0, status,
                status >= 400 ? "invalid_request_error" : null, startedAt, startedAt + 5, startedAt + 10, prompt,
                cached, completion, computeNanos, costNano, null, null, Map.of());
    }
}
