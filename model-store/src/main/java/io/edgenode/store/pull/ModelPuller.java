package io.edgenode.store.pull;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * Downloads models. Thread-safe: one instance per process; concurrent pulls of one target share
 * one download, each on its own virtual thread.
 *
 * <p>A pull writes {@code <target>.part} (resuming it with {@code Range: bytes=N-} when it exists),
 * hashes every byte, checks the sha256 when one is expected, fsyncs and renames the file onto the
 * target atomically. Redirects are followed here (up to {@value HttpFetch#MAX_REDIRECTS}); the
 * Hugging Face token ({@code HF_TOKEN}, else {@code HUGGING_FACE_HUB_TOKEN}) is sent only to the
 * Hugging Face host of an {@code hf://} source (or a URL on it), never to the CDN it redirects to.
 */
public final class ModelPuller implements AutoCloseable {
    /** How long a connection attempt may take. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** How long a transfer may go without receiving a byte (headers included) before it fails. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final HttpClient client;
    private final boolean ownsClient;
    private final HttpFetch fetch;
    private final DiskSpace diskSpace;
    private final Duration idleTimeout;
    private final ConcurrentHashMap<Path, Download> running = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** A puller with its own HTTP client, the token from the process environment and the real disk. */
    public ModelPuller() {
        this(newHttpClient(), System.getenv(), DiskSpace.FILE_STORE, DEFAULT_IDLE_TIMEOUT, true);
    }

    /**
     * @param client an HTTP client that does not follow redirects ({@link HttpClient.Redirect#NEVER},
     *     as {@link #newHttpClient()} builds): the puller follows them itself so that the token
     *     stays on Hugging Face's host; the caller keeps owning it
     * @param env where {@code HF_TOKEN} (else {@code HUGGING_FACE_HUB_TOKEN}) is read
     * @param diskSpace the free-space probe checked before a transfer starts
     */
    public ModelPuller(HttpClient client, Map<String, String> env, DiskSpace diskSpace) {
        this(client, env, diskSpace, DEFAULT_IDLE_TIMEOUT);
    }

    /** As {@link #ModelPuller(HttpClient, Map, DiskSpace)}, with the idle-read timeout. */
    public ModelPuller(HttpClient client, Map<String, String> env, DiskSpace diskSpace, Duration idleTimeout) {
        this(client, env, diskSpace, idleTimeout, false);
    }

    private ModelPuller(HttpClient client, Map<String, String> env, DiskSpace diskSpace, Duration idleTimeout,
            boolean ownsClient) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(env, "env");
        this.diskSpace = Objects.requireNonNull(diskSpace, "diskSpace");
        this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (client.followRedirects() != HttpClient.Redirect.NEVER) {
            throw new IllegalArgumentException("the pull HTTP client must not follow redirects itself (it would send"
                    + " the Hugging Face token to the CDN): build it with HttpClient.Redirect.NEVER");
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive: " + idleTimeout);
        }
        this.client = client;
        this.ownsClient = ownsClient;
        this.fetch = new HttpFetch(client, token(env));
    }

    /** The client the default constructor uses: a 10 s connect timeout, redirects left to the puller. */
    public static HttpClient newHttpClient() {
        return HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /**
     * Pulls {@code request.target()} unless it is there already with the expected sha256.
     *
     * @param listener receives progress on the download thread (and the latest progress at once,
     *     on the calling thread)
     * @return completes with the published target (made absolute and normalized: two spellings of
     *     one path are one target), or exceptionally with a {@link PullException}
     *     (not wrapped). A call for a target whose pull is running joins it: the same outcome, and
     *     its listener receives the rest of the progress; joining with another source fails.
     */
    public CompletableFuture<Path> pull(PullRequest request, PullListener listener) {
        return relay(pullResult(request, listener), PullResult::target);
    }

    /** As {@link #pull}, with the digest and size of the published file. */
    public CompletableFuture<PullResult> pullResult(PullRequest request, PullListener listener) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(listener, "listener");
        Path key = request.target().toAbsolutePath().normalize();
        if (closed) {
            return CompletableFuture.failedFuture(new PullException(PullException.Kind.CANCELLED,
                    "cannot pull " + key + ": the puller is closed"));
        }
        Download[] created = new Download[1];
        Download download = running.computeIfAbsent(key, k -> created[0] = new Download(request, k, fetch, diskSpace,
                idleTimeout, this::forget));
        if (download == created[0]) {
            download.addListener(listener);
            download.start();
            if (closed) {
                download.abort(cancelled(key));
            }
            return relay(download.result, Function.identity());
        }
        return join(download, request, listener);
    }

    /** The latest progress of a running pull of {@code target}, if one runs. */
    public Optional<PullProgress> progress(Path target) {
        Download d = running.get(target.toAbsolutePath().normalize());
        return d == null ? Optional.empty() : Optional.of(d.latest());
    }

    /**
     * Cancels the running pulls (they fail with {@link PullException.Kind#CANCELLED}; their
     * {@code .part} files stay for a resume) and waits a few seconds for them to stop. Later pulls
     * fail at once.
     */
    @Override
    public void close() {
        closed = true;
        for (Download d : running.values()) {
            d.abort(cancelled(d.target));
        }
        try {
            for (Download d : running.values()) {
                d.awaitEnd(CLOSE_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownsClient) {
            client.shutdownNow();
        }
    }

    private CompletableFuture<PullResult> join(Download running, PullRequest request, PullListener listener) {
        PullRequest first = running.request;
        if (!first.source().downloadUri().equals(request.source().downloadUri())) {
            return CompletableFuture.failedFuture(new PullException(PullException.Kind.IO, "cannot pull "
                    + running.target + " from " + request.source().downloadUri() + ": it is being pulled from "
                    + first.source().downloadUri()));
        }
        Optional<String> expected = request.sha256Hex();
        if (expected.isPresent() && first.sha256Hex().isPresent() && !expected.equals(first.sha256Hex())) {
            return CompletableFuture.failedFuture(new PullException(PullException.Kind.CHECKSUM_MISMATCH, "cannot pull "
                    + running.target + " expecting sha256 " + expected.get() + ": it is being pulled expecting "
                    + first.sha256Hex().get()));
        }
        running.addListener(listener);
        CompletableFuture<PullResult> joined = relay(running.result, Function.identity());
        if (expected.isEmpty() || first.sha256Hex().isPresent()) {
            return joined;
        }
        // The running pull checks no digest: this caller checks its own on the outcome.
        return joined.thenCompose(r -> r.sha256Hex().equals(expected.get())
                ? CompletableFuture.completedFuture(r)
                : CompletableFuture.failedFuture(new PullException(PullException.Kind.CHECKSUM_MISMATCH,
                        "sha256 mismatch for " + r.target() + ": expected " + expected.get() + ", got " + r.sha256Hex())));
    }

    private void forget(Download finished) {
        running.remove(finished.target, finished);
    }

    /** A future completed with the shared one's outcome, its PullException unwrapped. */
    private static <T> CompletableFuture<T> relay(CompletableFuture<PullResult> shared, Function<PullResult, T> map) {
        CompletableFuture<T> out = new CompletableFuture<>();
        shared.whenComplete((r, e) -> {
            if (e == null) {
                out.complete(map.apply(r));
            } else {
                out.completeExceptionally(unwrap(e));
            }
        });
        return out;
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static PullException cancelled(Path target) {
        return new PullException(PullException.Kind.CANCELLED,
                "pull of " + target + " cancelled: the puller was closed (its .part file is kept for a resume)");
    }

    private static Optional<String> token(Map<String, String> env) {
        for (String name : new String[] {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
            String v = env.get(name);
            if (v != null && !v.isBlank()) {
                return Optional.of(v.strip());
            }
        }
        return Optional.empty();
    }
}
