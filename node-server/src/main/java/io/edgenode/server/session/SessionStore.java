package io.edgenode.server.session;

import java.util.List;
import java.util.Optional;

/**
 * Durable storage of sessions and their turns. Every method blocks on I/O and is thread-safe: call it from a
 * virtual thread, never from a Netty event loop. An embedded SQLite file is the default
 * ({@link SqliteSessionStore}); a fleet can put PostgreSQL behind the same contract.
 *
 * <p>A session whose expiry time has passed is gone for every read and write even before
 * {@link #deleteExpired} removes its rows.
 */
public interface SessionStore extends AutoCloseable {
    /**
     * Creates a session, durably. Returns it with its id (generated when {@code s.id()} is null) and times.
     *
     * @throws IllegalArgumentException for an invalid id, empty model, metadata over the limits or a negative ttl
     * @throws SessionStoreException    CONFLICT when a session with that id exists (an expired one keeps its id until
     *                                  {@link #deleteExpired} removes it); UNAVAILABLE on storage failure
     */
    Session create(NewSession s) throws SessionStoreException;

    /** The session, or empty when unknown or expired. */
    Optional<Session> get(String id) throws SessionStoreException;

    /**
     * One page of live sessions, ordered by creation time then id.
     *
     * @param after the last id of the previous page; null for the first page
     * @param limit 1..100
     * @throws IllegalArgumentException for a limit out of range, or an {@code after} id the store does not know
     *                                  (deleted since the previous page, or never listed)
     */
    SessionPage list(String after, int limit) throws SessionStoreException;

    /**
     * The session's turns ordered by index.
     *
     * @throws SessionStoreException NOT_FOUND when the session is unknown or expired
     */
    List<Turn> turns(String sessionId) throws SessionStoreException;

    /** The continuation stored with the last turn; empty when none was stored, or the session is unknown or expired. */
    Optional<Continuation> continuation(String sessionId) throws SessionStoreException;

    /**
     * Atomically (one transaction, durably committed before returning): inserts the turn with the next index,
     * adds its tokens to the session's totals, sets the updated time, slides the expiry by the session's ttl and
     * replaces the continuation ({@code null} clears it). Returns the session as it is after the turn.
     *
     * @param finishReason nullable
     * @throws IllegalArgumentException for a negative token count
     * @throws SessionStoreException    NOT_FOUND when the session is unknown or expired; UNAVAILABLE on storage
     *                                  failure, in which case nothing of the turn was stored
     */
    Session appendTurn(String sessionId, List<SessionMessage> input, String reply, int promptTokens,
            int completionTokens, int cachedTokens, String finishReason, Continuation continuation)
            throws SessionStoreException;

    /**
     * The session's state document; version 0 and {@code {}} when it was never written.
     *
     * @throws SessionStoreException NOT_FOUND when the session is unknown or expired
     */
    SessionState state(String sessionId) throws SessionStoreException;

    /**
     * Atomically (one transaction, durably committed before returning, like {@link #appendTurn}): reads the current
     * document, checks its version, writes {@code change.apply(current json)} as the next version and returns it.
     * {@code change} runs under the store's lock inside the transaction: it must be quick and pure (parse, merge,
     * write JSON) and must not call the store. It returns a JSON object's compact text.
     *
     * @param expectedVersion the version the caller last read; negative: write whatever the current version is
     * @throws IllegalArgumentException when {@code change} throws it or returns something that is not a JSON object;
     *                                  {@link StateTooLargeException} for a document over
     *                                  {@link SessionState#MAX_JSON_BYTES}. Nothing is written.
     * @throws SessionStoreException    NOT_FOUND when the session is unknown or expired; STALE_VERSION (with the
     *                                  current version) when {@code expectedVersion >= 0} is not the current
     *                                  version, in which case {@code change} is not called; UNAVAILABLE on storage
     *                                  failure. Nothing is written.
     */
    SessionState updateState(String sessionId, long expectedVersion, java.util.function.UnaryOperator<String> change)
            throws SessionStoreException;

    /** Deletes the session, its turns and its state; false when there was no such session. */
    boolean delete(String id) throws SessionStoreException;

    /**
     * Deletes up to {@code limit} sessions whose expiry is in (0, nowMillis], oldest expiry first, and returns their
     * ids so that the caller can delete what it keeps beside them (KV snapshots).
     */
    List<String> deleteExpired(long nowMillis, int limit) throws SessionStoreException;

    /** Releases the store; idempotent. Later calls fail with UNAVAILABLE. */
    @Override
    void close();
}
