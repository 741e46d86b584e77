package io.edgenode.server.live;

import java.time.Duration;
import java.util.Objects;

/**
 * How live sessions behave ({@code server.live} in models.yaml).
 *
 * @param disconnectGrace how long a session turn keeps running after its last watcher left (the
 *     client that sent it, resumed streams, WebSocket clients); long enough to survive a network
 *     change. Stateless requests are still cancelled at once
 * @param maxClientsPerSession WebSocket clients one session accepts; the next is refused (close 1013)
 * @param maxMessageBytes the largest WebSocket message a client may send (close 1009 beyond)
 * @param pingInterval how often an idle WebSocket is pinged; a client silent for two intervals
 *     (no pong, no message) is closed
 * @param maxClientLag events a watcher may fall behind the turn before it is dropped (a WebSocket is
 *     closed with 4008, a stream's connection is closed): a slow client never slows the turn or the
 *     other clients, and never holds more than this in the server for it
 * @param retainTurns finished turn logs kept per session for clients that resume
 * @param retainFor how long a finished turn's log is kept for resuming
 */
public record LiveSettings(Duration disconnectGrace, int maxClientsPerSession, int maxMessageBytes,
        Duration pingInterval, int maxClientLag, int retainTurns, Duration retainFor) {
    public static final LiveSettings DEFAULTS = new LiveSettings(Duration.ofSeconds(120), 256, 1 << 20,
            Duration.ofSeconds(30), 8192, 4, Duration.ofMinutes(10));

    public LiveSettings {
        Objects.requireNonNull(disconnectGrace, "disconnectGrace");
        Objects.requireNonNull(pingInterval, "pingInterval");
        Objects.requireNonNull(retainFor, "retainFor");
        if (disconnectGrace.isNegative() || maxClientsPerSession < 1 || maxMessageBytes < 1024
                || pingInterval.toMillis() < 100 || maxClientLag < 16 || retainTurns < 1 || retainFor.isNegative()) {
            throw new IllegalArgumentException("invalid live settings: " + this);
        }
    }

    public LiveSettings withDisconnectGrace(Duration d) {
        return new LiveSettings(d, maxClientsPerSession, maxMessageBytes, pingInterval, maxClientLag, retainTurns,
                retainFor);
    }

    public LiveSettings withMaxClientLag(int events) {
        return new LiveSettings(disconnectGrace, maxClientsPerSession, maxMessageBytes, pingInterval, events,
                retainTurns, retainFor);
    }

    public LiveSettings withMaxClientsPerSession(int n) {
        return new LiveSettings(disconnectGrace, n, maxMessageBytes, pingInterval, maxClientLag, retainTurns,
                retainFor);
    }
}
