package io.edgenode.server.gateway;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@code api_keys} table. Thread-safe: one connection, confined behind a lock (callers are
 * virtual threads or the CLI; key writes are rare). Secrets are never stored, only their SHA-256.
 */
public final class KeyStore implements AutoCloseable {
    /** A created key; {@code secret} is shown once and never stored. */
    public record Created(ApiKey key, String secret) {}

    /** A key with the hash its secret must match. */
    public record StoredKey(ApiKey key, byte[] secretHash) {}

    private static final String COLUMNS = "id, name, secret_hash, scopes_json, limits_json, created_at, revoked_at";

    private final Connection connection;
    private final KeySecrets secrets;
    private final ReentrantLock lock = new ReentrantLock();

    public KeyStore(GatewayDatabase db) {
        this(db, new KeySecrets());
    }

    public KeyStore(GatewayDatabase db, KeySecrets secrets) {
        this.secrets = Objects.requireNonNull(secrets, "secrets");
        try {
            this.connection = db.connect();
        } catch (SQLException e) {
            throw fail("cannot open", e);
        }
    }

    public Created create(String name, KeyScopes scopes, KeyLimits limits) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scopes, "scopes");
        Objects.requireNonNull(limits, "limits");
        KeySecrets.NewKey k = secrets.generate();
        Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
        lock.lock();
        try (PreparedStatement p = connection.prepareStatement("INSERT INTO api_keys (" + COLUMNS + ") VALUES (?,?,?,?,?,?,0)")) {
            p.setString(1, k.id());
            p.setString(2, name);
            p.setBytes(3, KeySecrets.hash(k.secret()));
            p.setString(4, KeyJson.scopes(scopes));
            p.setString(5, KeyJson.limits(limits));
            p.setLong(6, now.toEpochMilli());
            p.executeUpdate();
        } catch (SQLException e) {
            throw fail("cannot create a key in", e);
        } finally {
            lock.unlock();
        }
        return new Created(new ApiKey(k.id(), name, scopes, limits, now, null), k.secret());
    }

    /** Every key, revoked included, newest first. */
    public List<ApiKey> list() {
        List<ApiKey> out = new ArrayList<>();
        for (StoredKey s : query("SELECT " + COLUMNS + " FROM api_keys ORDER BY created_at DESC, id", null)) {
            out.add(s.key());
        }
        return out;
    }

    public Optional<ApiKey> find(String id) {
        return lookup(id).map(StoredKey::key);
    }

    public Optional<StoredKey> lookup(String id) {
        List<StoredKey> l = query("SELECT " + COLUMNS + " FROM api_keys WHERE id = ?", Objects.requireNonNull(id, "id"));
        return l.isEmpty() ? Optional.empty() : Optional.of(l.getFirst());
    }

    /** Every key with its hash (the ring's reload). */
    public List<StoredKey> all() {
        return query("SELECT " + COLUMNS + " FROM api_keys ORDER BY created_at DESC, id", null);
    }

    /** Revokes the key; idempotent (the first revocation time stays). False: no such key. */
    public boolean revoke(String id) {
        Objects.requireNonNull(id, "id");
        lock.lock();
        try (PreparedStatement p = connection.prepareStatement(
                "UPDATE api_keys SET revoked_at = CASE revoked_at WHEN 0 THEN ? ELSE revoked_at END WHERE id = ?")) {
            p.setLong(1, System.currentTimeMillis());
            p.setString(2, id);
            return p.executeUpdate() > 0;
        } catch (SQLException e) {
            throw fail("cannot revoke a key in", e);
        } finally {
            lock.unlock();
        }
    }

    /** A new secret for the same id (scopes, limits and ledger stay); the old one stops at once. Empty: no such key or revoked. */
    public Optional<String> rotate(String id) {
        Objects.requireNonNull(id, "id");
        KeySecrets.NewKey k = secrets.withId(id);
        lock.lock();
        try (PreparedStatement p = connection.prepareStatement(
                "UPDATE api_keys SET secret_hash = ?, rotated_at = ? WHERE id = ? AND revoked_at = 0")) {
            p.setBytes(1, KeySecrets.hash(k.secret()));
            p.setLong(2, System.currentTimeMillis());
            p.setString(3, id);
            return p.executeUpdate() > 0 ? Optional.of(k.secret()) : Optional.empty();
        } catch (SQLException e) {
            throw fail("cannot rotate a key in", e);
        } finally {
            lock.unlock();
        }
    }

    /** Keys not revoked. */
    public int count() {
        lock.lock();
        try (PreparedStatement p = connection.prepareStatement("SELECT count(*) FROM api_keys WHERE revoked_at = 0");
                ResultSet r = p.executeQuery()) {
            return r.next() ? r.getInt(1) : 0;
        } catch (SQLException e) {
            throw fail("cannot count keys in", e);
        } finally {
            lock.unlock();
        }
    }

    private List<StoredKey> query(String sql, String id) {
        lock.lock();
        try (PreparedStatement p = connection.prepareStatement(sql)) {
            if (id != null) {
                p.setString(1, id);
            }
            List<StoredKey> out = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    long revoked = r.getLong(7);
                    out.add(new StoredKey(new ApiKey(r.getString(1), r.getString(2), KeyJson.readScopes(r.getString(4)),
                            KeyJson.readLimits(r.getString(5)), Instant.ofEpochMilli(r.getLong(6)),
                            revoked == 0 ? null : Instant.ofEpochMilli(revoked)), r.getBytes(3)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw fail("cannot read keys from", e);
        } finally {
            lock.unlock();
        }
    }

    private static GatewayStoreException fail(String what, SQLException e) {
        return new GatewayStoreException(what + " the gateway database: " + e.getMessage(), e);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            connection.close();
        } catch (SQLException e) {
            throw fail("cannot close", e);
        } finally {
            lock.unlock();
        }
    }
}
