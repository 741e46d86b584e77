package io.edgenode.server.gateway;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The usage ledger's read side: sums by dimension for {@code /admin/usage}, spend since a time for
 * budgets (their {@code SpentLoader}), recent rows for an admin view. Thread-safe: one connection
 * of its own, used under a lock (reads are short; WAL lets them run beside the ledger's writer).
 *
 * <p>SQL is built only from {@link #DIMENSIONS}, a fixed map from dimension name to column name;
 * a caller's string is never interpolated.
 */
public final class UsageQuery implements AutoCloseable {
    /** Dimension name (as {@code group_by} spells it) to its column, in the documented order. */
    public static final Map<String, String> DIMENSIONS = dimensions();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};
    private static final String COLUMNS = "request_id, key_id, user, session_id, endpoint, requested_model, "
            + "served_model, fallback_index, status, error_type, started_at, first_token_at, ended_at, prompt_tokens, "
            + "cached_tokens, completion_tokens, compute_nanos, cost_nano_usd, cache_status, flags, metadata_json";

    private final ReentrantLock lock = new ReentrantLock();
    private final Connection conn; // under lock

    public UsageQuery(GatewayDatabase db) {
        Objects.requireNonNull(db, "db");
        try {
            conn = db.connect();
        } catch (SQLException e) {
            throw new GatewayStoreException("cannot open the usage ledger on " + db.file() + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> dimensions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("key", "key_id");
        m.put("model", "served_model");
        m.put("session", "session_id");
        m.put("user", "user");
        m.put("endpoint", "endpoint");
        m.put("status", "status");
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * Sums of the rows with {@code from <= started_at < to} (and of {@code keyIdOrNull} when not
     * null), one group per distinct combination of {@code dims} (in that order), sorted by them.
     * No dims: one group of everything, or none when no row matches.
     *
     * @throws IllegalArgumentException for a dimension not in {@link #DIMENSIONS}, or a repeated one
     */
    public List<UsageGroup> groupBy(List<String> dims, Instant from, Instant to, String keyIdOrNull) {
        Objects.requireNonNull(dims, "dims");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        List<String> cols = new ArrayList<>(dims.size());
        Set<String> seen = new HashSet<>();
        for (String d : dims) {
            String col = DIMENSIONS.get(d);
            if (col == null) {
                throw new IllegalArgumentException("unknown group_by dimension '" + d + "' (one of "
                        + String.join(", ", DIMENSIONS.keySet()) + ")");
            }
            if (!seen.add(d)) {
                throw new IllegalArgumentException("group_by dimension '" + d + "' is repeated");
            }
            cols.add(col);
        }
        String select = cols.isEmpty() ? "" : String.join(", ", cols) + ", ";
        StringBuilder sql = new StringBuilder("SELECT ").append(select).append("""
                COUNT(*), SUM(prompt_tokens), SUM(cached_tokens), SUM(completion_tokens), SUM(compute_nanos),
                SUM(cost_nano_usd), SUM(CASE WHEN status >= 400 OR error_type IS NOT NULL THEN 1 ELSE 0 END),
                MIN(started_at), MAX(started_at)
                FROM usage WHERE started_at >= ? AND started_at < ?""");
        if (keyIdOrNull != null) {
            sql.append(" AND key_id = ?");
        }
        if (!cols.isEmpty()) {
            sql.append(" GROUP BY ").append(String.join(", ", cols)).append(" ORDER BY ").append(String.join(", ", cols));
        }
        return locked(() -> {
            try (PreparedStatement st = conn.prepareStatement(sql.toString())) {
                st.setLong(1, from.toEpochMilli());
                st.setLong(2, to.toEpochMilli());
                if (keyIdOrNull != null) {
                    st.setString(3, keyIdOrNull);
                }
                List<UsageGroup> out = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        int n = dims.size();
                        long requests = rs.getLong(n + 1);
                        if (requests == 0) {
                            continue; // no dims and no rows: SQLite still answers one row of nulls
                        }
                        Map<String, String> values = new LinkedHashMap<>();
                        for (int i = 0; i < n; i++) {
                            values.put(dims.get(i), rs.getString(i + 1));
                        }
                        out.add(new UsageGroup(values, requests, rs.getLong(n + 2), rs.getLong(n + 3),
                                rs.getLong(n + 4), rs.getLong(n + 5), rs.getLong(n + 6), rs.getLong(n + 7),
                                Instant.ofEpochMilli(rs.getLong(n + 8)), Instant.ofEpochMilli(rs.getLong(n + 9))));
                    }
                }
                return out;
            }
        });
    }

    /**
     * What {@code keyId} (and its {@code userOrNull} when not null) spent from {@code since} on, in
     * nano-dollars: the committed rows only (call {@link UsageLedger#flush} first for an exact figure).
     * Budgets load it at start, so a restart does not reset a period's spend.
     */
    public long spentNanoUsd(String keyId, String userOrNull, Instant since) {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(since, "since");
        String sql = "SELECT COALESCE(SUM(cost_nano_usd), 0) FROM usage WHERE key_id = ? AND started_at >= ?"
                + (userOrNull == null ? "" : " AND user = ?");
        return locked(() -> {
            try (PreparedStatement st = conn.prepareStatement(sql)) {
                st.setString(1, keyId);
                st.setLong(2, since.toEpochMilli());
                if (userOrNull != null) {
                    st.setString(3, userOrNull);
                }
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    /** The newest {@code limit} rows (of {@code keyIdOrNull} when not null), newest first. */
    public List<UsageRecord> recent(int limit, String keyIdOrNull) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1, got " + limit);
        }
        String sql = "SELECT " + COLUMNS + " FROM usage" + (keyIdOrNull == null ? "" : " WHERE key_id = ?")
                + " ORDER BY started_at DESC, rowid DESC LIMIT ?";
        return locked(() -> {
            try (PreparedStatement st = conn.prepareStatement(sql)) {
                int i = 1;
                if (keyIdOrNull != null) {
                    st.setString(i++, keyIdOrNull);
                }
                st.setInt(i, limit);
                List<UsageRecord> out = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        out.add(row(rs));
                    }
                }
                return out;
            }
        });
    }

    private static UsageRecord row(ResultSet rs) throws SQLException {
        String meta = rs.getString(21);
        Map<String, String> metadata;
        try {
            metadata = meta == null ? Map.of() : JSON.readValue(meta, STRING_MAP);
        } catch (IOException e) {
            throw new SQLException("usage row has bad metadata_json: " + e.getMessage(), e);
        }
        return new UsageRecord(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getInt(8), rs.getInt(9), rs.getString(10), rs.getLong(11),
                rs.getLong(12), rs.getLong(13), rs.getInt(14), rs.getInt(15), rs.getInt(16), rs.getLong(17),
                rs.getLong(18), rs.getString(19), rs.getString(20), metadata);
    }

    private interface Read<T> {
        T run() throws SQLException;
    }

    private <T> T locked(Read<T> read) {
        lock.lock();
        try {
            return read.run();
        } catch (SQLException e) {
            throw new GatewayStoreException("usage ledger query failed: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            conn.close();
        } catch (SQLException e) {
            throw new GatewayStoreException("closing the usage ledger reader: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }
}
