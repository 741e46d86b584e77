/**
 * Durable sessions: a session is one ordered history of chat turns kept next to the compute, like a
 * Durable Object. {@link io.edgenode.server.session.SessionStore} is the storage contract (blocking,
 * thread-safe, typed {@link io.edgenode.server.session.SessionStoreException}s);
 * {@link io.edgenode.server.session.SqliteSessionStore} is the embedded default (SQLite in WAL mode,
 * versioned schema, fsync on every commit). {@link io.edgenode.server.session.KvSnapshotStore} keeps
 * each session's KV-cache snapshot in a checksummed file beside the database, under a disk budget.
 * Nothing here may run on a Netty event loop: callers use virtual threads.
 */
package io.edgenode.server.session;
