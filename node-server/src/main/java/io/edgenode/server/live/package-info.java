/**
 * Live sessions: many clients on one session. A session turn's output is kept as a
 * {@link io.edgenode.server.live.TurnLog} (encoded events with ids) that every watcher reads at
 * its own pace: the HTTP client that sent the turn, clients that reconnect with
 * {@code Last-Event-ID}, and the session's WebSocket clients. {@link io.edgenode.server.live.LiveHub}
 * holds the sessions that have watchers, running turns or recently finished ones. Knows nothing of
 * Netty or HTTP: transports implement {@link io.edgenode.server.live.LiveClient}.
 */
package io.edgenode.server.live;
