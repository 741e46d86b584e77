package io.edgenode.server.session;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the node keeps sessions.
 *
 * @param dataDir the database ({@code sessions.db}) and the KV snapshots ({@code kv/}) live here
 * @param kvDiskBudgetBytes total size of KV snapshots kept (least recently used deleted first); 0
 *     disables hibernation
 * @param defaultTtl a session not used for this long is deleted; zero keeps sessions until deleted.
 *     A session created with its own {@code ttl_seconds} uses that instead
 * @param maxTurns turns one session may hold; the next turn is refused (400)
 * @param maxStoredTokens prompt plus completion tokens one session may accumulate; then refused (400)
 * @param gateTimeout how long a turn waits for the previous turn of its session
 */
public record SessionSettings(Path dataDir, long kvDiskBudgetBytes, Duration defaultTtl, int maxTurns,
        long maxStoredTokens, Duration gateTimeout) {
    public static final long DEFAULT_KV_DISK_BUDGET = 4L << 30;
    public static final int DEFAULT_MAX_TURNS = 1000;
    public static final long DEFAULT_MAX_STORED_TOKENS = 10_000_000L;

    public SessionSettings {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(defaultTtl, "defaultTtl");
        Objects.requireNonNull(gateTimeout, "gateTimeout");
        if (kvDiskBudgetBytes < 0 || defaultTtl.isNegative() || maxTurns < 1 || maxStoredTokens < 1) {
            throw new IllegalArgumentException("invalid session settings: kv budget " + kvDiskBudgetBytes + ", ttl "
                    + defaultTtl + ", max turns " + maxTurns + ", max tokens " + maxStoredTokens);
        }
    }

    public static SessionSettings defaults(Path dataDir) {
        return new SessionSettings(dataDir, DEFAULT_KV_DISK_BUDGET, Duration.ZERO, DEFAULT_MAX_TURNS,
                DEFAULT_MAX_STORED_TOKENS, Duration.ofMinutes(5));
    }

    public SessionSettings withKvDiskBudget(long bytes) {
        return new SessionSettings(dataDir, bytes, defaultTtl, maxTurns, maxStoredTokens, gateTimeout);
    }

    public SessionSettings withDefaultTtl(Duration ttl) {
        return new SessionSettings(dataDir, kvDiskBudgetBytes, ttl, maxTurns, maxStoredTokens, gateTimeout);
    }

    public SessionSettings withLimits(int turns, long tokens) {
        return new SessionSettings(dataDir, kvDiskBudgetBytes, defaultTtl, turns, tokens, gateTimeout);
    }
}
