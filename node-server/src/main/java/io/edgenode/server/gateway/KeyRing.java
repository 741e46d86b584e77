package io.edgenode.server.gateway;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-memory view of the keys that authenticates every request. Thread-safe: any virtual
 * thread calls {@link #authenticate}; the key map is an immutable snapshot behind a volatile
 * field, replaced whole on reload. Other processes' commits (the {@code edgenode keys} CLI) are
 * noticed through {@code PRAGMA data_version} on the ring's own connection, checked under a short
 * lock on every call (it is a read of SQLite's in-memory change counter, no file I/O); writes made
 * through {@link #store()} invalidate the snapshot at once.
 */
public final class KeyRing implements AutoCloseable {
    /** Why a request was (not) let in. */
    public enum Failure { MISSING, MALFORMED, UNKNOWN, REVOKED }

    /** The outcome: {@code key} when it passed, else {@code failure}. */
    public record Authentication(ApiKey key, Failure failure) {
        public boolean ok() {
            return key != null;
        }
    }

    private static final String BEARER = "Bearer ";

    private final KeyStore store;
    private final Connection versionConnection;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Map<String, KeyStore.StoredKey> keys;
    private volatile boolean anyKeys;
    private long dataVersion = Long.MIN_VALUE; // guarded by lock
    private PreparedStatement versionQuery;    // guarded by lock; prepared once

    public KeyRing(GatewayDatabase db, KeyStore store) {
        this.store = Objects.requireNonNull(store, "store");
        try {
            this.versionConnection = db.connect();
        } catch (SQLException e) {
            throw new GatewayStoreException("cannot open the gateway database: " + e.getMessage(), e);
        }
        refresh(true);
    }

    public Authentication authenticate(String authorization) {
        refresh(false);
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return new Authentication(null, Failure.MISSING);
        }
        String token = authorization.substring(BEARER.length()).strip();
        var id = KeySecrets.parse(token);
        if (id.isEmpty()) {
            return new Authentication(null, Failure.MALFORMED);
        }
        KeyStore.StoredKey k = keys.get(id.get());
        if (k == null || !KeySecrets.matches(token, k.secretHash())) {
            return new Authentication(null, Failure.UNKNOWN);
        }
        if (k.key().revoked()) {
            return new Authentication(null, Failure.REVOKED);
        }
        return new Authentication(k.key(), null);
    }

    /** The key with id {@code id} (revoked ones too), as of now (reloads when another process wrote). */
    public java.util.Optional<ApiKey> key(String id) {
        refresh(false);
        KeyStore.StoredKey k = keys.get(id);
        return k == null ? java.util.Optional.empty() : java.util.Optional.of(k.key());
    }

    /** Whether any key works: then every route needs one. */
    public boolean anyKeys() {
        refresh(false);
        return anyKeys;
    }

    /** {@link #anyKeys()} as of the last check (right after an {@link #authenticate}: no second query). */
    public boolean anyKeysAsChecked() {
        return anyKeys;
    }

    /** Creates a key through the ring's store and sees it at once. */
    public KeyStore.Created create(String name, KeyScopes scopes, KeyLimits limits) {
        KeyStore.Created c = store.create(name, scopes, limits);
        refresh(true);
        return c;
    }

    public boolean revoke(String id) {
        boolean r = store.revoke(id);
        refresh(true);
        return r;
    }

    public java.util.Optional<String> rotate(String id) {
        var r = store.rotate(id);
        refresh(true);
        return r;
    }

    /** The store for reads ({@code list}, {@code find}); write through the ring so it reloads. */
    public KeyStore store() {
        return store;
    }

    private void refresh(boolean force) {
        lock.lock();
        try {
            long v;
            if (versionQuery == null) {
                versionQuery = versionConnection.prepareStatement("PRAGMA data_version");
            }
            try (ResultSet r = versionQuery.executeQuery()) {
                v = r.next() ? r.getLong(1) : 0;
            }
            if (!force && v == dataVersion) {
                return;
            }
            Map<String, KeyStore.StoredKey> m = new HashMap<>();
            boolean any = false;
            for (KeyStore.StoredKey k : store.all()) {
                m.put(k.key().id(), k);
                any |= !k.key().revoked();
            }
            keys = Map.copyOf(m);
            anyKeys = any;
            dataVersion = v;
        } catch (SQLException e) {
            throw new GatewayStoreException("cannot read the gateway database: " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        try {
            versionConnection.close();
        } catch (SQLException e) {
            throw new GatewayStoreException("cannot close the gateway database: " + e.getMessage(), e);
        }
    }
}
