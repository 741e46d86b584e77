package io.edgenode.server.gateway;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One group of {@link UsageQuery#groupBy}: its dimension values (in the order asked; a value is
 * null where the rows had none, such as the key in keyless mode) and the sums of its rows.
 *
 * @param errors rows answered with a status of 400 or more, or with an in-band error
 * @param first the earliest started_at of the group
 * @param last the latest started_at of the group
 */
public record UsageGroup(Map<String, String> dimensions, long requests, long promptTokens, long cachedTokens,
        long completionTokens, long computeNanos, long costNanoUsd, long errors, Instant first, Instant last) {
    public UsageGroup {
        // values may be null (Map.copyOf refuses them)
        dimensions = Collections.unmodifiableMap(new LinkedHashMap<>(dimensions));
    }

    public double computeSeconds() {
        return computeNanos / 1e9;
    }

    public double costUsd() {
        return Budget.usd(costNanoUsd);
    }
}
