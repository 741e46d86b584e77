package io.edgenode.store.pull;

import io.edgenode.store.ByteSizes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One running pull of one target, shared by every caller that asked for it. Its work runs on one
 * virtual thread (the download thread); {@link #abort} and {@link #addListener} may be called from
 * any thread, and a watchdog virtual thread aborts the transfer when no byte arrives for the idle
 * timeout.
 *
 * <p>Invariant: {@code <target>.part} only ever holds a prefix of the source's bytes, so a later
 * pull may resume from it; bytes that fail the checksum are deleted, and the target appears only
 * through an atomic rename of a verified, fsynced {@code .part}.
 */
final class Download {
    private static final System.Logger LOG = System.getLogger(Download.class.getName());
    private static final int BUFFER = 1 << 16;
    private static final long PROGRESS_INTERVAL_NANOS = Duration.ofMillis(50).toNanos();
    private static final int MAX_RESTARTS = 2;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes\\s+\\*/(\\d+)");

    final PullRequest request;
    final Path target;
    final CompletableFuture<PullResult> result = new CompletableFuture<>();

    private final Path part;
    private final HttpFetch fetch;
    private final DiskSpace diskSpace;
    private final Duration idleTimeout;
    private final Consumer<Download> onFinished;
    private final List<PullListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicReference<PullException> abortReason = new AtomicReference<>();
    private volatile PullProgress latest;
    private volatile Thread worker;
    private volatile CompletableFuture<?> exchange;
    private volatile long lastActivityNanos = System.nanoTime();
    private long lastEmitNanos;
    /** Whether this download got the lock on {@code .part} (else it belongs to another process). */
    private boolean ownsPart;

    /**
     * @param target the absolute, normalized target
     * @param onFinished run on the download thread once the outcome is known, before {@link #result}
     *     completes (the puller forgets the download there, so a pull chained on the result starts
     *     afresh)
     */
    Download(PullRequest request, Path target, HttpFetch fetch, DiskSpace diskSpace, Duration idleTimeout,
            Consumer<Download> onFinished) {
        this.request = request;
        this.target = target;
        this.part = target.resolveSibling(target.getFileName() + ".part");
        this.fetch = fetch;
        this.diskSpace = diskSpace;
        this.idleTimeout = idleTimeout;
        this.onFinished = onFinished;
        this.latest = new PullProgress(target, 0, -1, PullProgress.State.STARTING, Optional.empty());
    }

    void start() {
        Thread t = Thread.ofVirtual().name("edgenode-pull-" + target.getFileName()).unstarted(this::run);
        worker = t;
        t.start();
    }

    /** Adds a listener and hands it the latest progress at once (on the calling thread). */
    void addListener(PullListener listener) {
        listeners.add(listener);
        deliver(listener, latest);
    }

    PullProgress latest() {
        return latest;
    }

    /**
     * Stops the download with {@code reason} (the first reason wins): the in-flight request is
     * cancelled and the download thread interrupted. The {@code .part} file stays.
     */
    void abort(PullException reason) {
        if (!abortReason.compareAndSet(null, reason)) {
            return;
        }
        CompletableFuture<?> e = exchange;
        if (e != null) {
            e.cancel(true);
        }
        Thread t = worker;
        if (t != null) {
            t.interrupt();
        }
    }

    /** Waits up to {@code timeout} for the download thread to end. */
    void awaitEnd(Duration timeout) throws InterruptedException {
        Thread t = worker;
        if (t != null) {
            t.join(timeout);
        }
    }

    private void run() {
        PullResult done;
        try {
            done = execute();
        } catch (PullException e) {
            fail(e);
            return;
        } catch (RuntimeException | Error e) {
            fail(new PullException(PullException.Kind.IO, "pull of " + target + " failed: " + e, e));
            return;
        }
        emit(new PullProgress(target, done.sizeBytes(), done.sizeBytes(), PullProgress.State.DONE, Optional.empty()), true);
        onFinished.accept(this);
        result.complete(done);
    }

    private void fail(PullException e) {
        Thread.interrupted(); // an abort's interrupt must not break the listeners' or the caller's code
        emit(new PullProgress(target, latest.bytesDone(), latest.totalBytes(), PullProgress.State.FAILED,
                Optional.of(e.getMessage())), true);
        onFinished.accept(this);
        result.completeExceptionally(e);
    }

    private PullResult execute() throws PullException {
        checkAborted();
        try {
            Files.createDirectories(target.getParent());
        } catch (IOException e) {
            throw new PullException(PullException.Kind.IO, "cannot create folder " + target.getParent() + ": " + HttpFetch.describe(e), e);
        }
        Optional<String> expected = request.sha256Hex();
        if (expected.isPresent() && Files.isRegularFile(target)) {
            Optional<PullResult> present = verifyExisting(expected.get());
            if (present.isPresent()) {
                return present.get();
            }
        }
        Transferred t;
        try {
            t = transferToPart();
        } catch (PullException e) {
            deletePartIfEmpty(); // a failure before the first byte leaves nothing to resume
            throw e;
        }
        emit(new PullProgress(target, t.size(), t.size(), PullProgress.State.VERIFYING, Optional.empty()), true);
        if (expected.isPresent() && !expected.get().equals(t.sha256Hex())) {
            deletePart();
            throw new PullException(PullException.Kind.CHECKSUM_MISMATCH, "sha256 mismatch for " + target + " from "
                    + request.source().downloadUri() + ": expected " + expected.get() + ", got " + t.sha256Hex()
                    + "; the download was deleted, nothing was published");
        }
        checkAborted();
        publish();
        LOG.log(System.Logger.Level.INFO, "pulled {0} ({1} bytes) sha256 {2}", target, t.size(), t.sha256Hex());
        return new PullResult(target, t.sha256Hex(), t.size(), true);
    }

    /** The target is already there: hash it; a match means no network at all. */
    private Optional<PullResult> verifyExisting(String expected) throws PullException {
        try {
            long size = Files.size(target);
            emit(new PullProgress(target, 0, size, PullProgress.State.VERIFYING, Optional.empty()), true);
            MessageDigest md = sha256();
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.READ)) {
                hashPrefix(ch, size, md, size);
            }
            String actual = hex(md);
            if (actual.equals(expected)) {
                return Optional.of(new PullResult(target, actual, size, false));
            }
            LOG.log(System.Logger.Level.WARNING, "{0} exists but its sha256 is {1}, not {2}: pulling it again",
                    target, actual, expected);
            return Optional.empty();
        } catch (IOException e) {
            throw ioFailure("cannot read " + target, e);
        }
    }

    private record Transferred(String sha256Hex, long size) {}

    /** Brings {@code .part} to the source's full content and returns its digest; holds a lock on it meanwhile. */
    private Transferred transferToPart() throws PullException {
        Thread watchdog = Thread.ofVirtual().name("edgenode-pull-watchdog").start(this::watch);
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                throw new PullException(PullException.Kind.IO,
                        "another process is pulling " + target + " (" + part + " is locked)");
            }
            ownsPart = true;
            Transferred t = transfer(ch);
            ch.force(true);
            return t;
        } catch (IOException e) {
            throw ioFailure("cannot write " + part, e);
        } finally {
            watchdog.interrupt();
        }
    }

    private Transferred transfer(FileChannel ch) throws IOException {
        MessageDigest md = sha256();
        long have = ch.size();
        if (have > 0) {
            // Hash what is there first, before asking the server, so that the response is never
            // left waiting while gigabytes are read back.
            emit(new PullProgress(target, have, -1, PullProgress.State.STARTING, Optional.empty()), true);
            hashPrefix(ch, have, md, -1);
        }
        for (int restarts = 0; ; ) {
            checkAborted();
            touch();
            HttpFetch.Response response;
            try {
                response = fetch.get(request.source(), have, this::track);
            } catch (InterruptedException e) {
                throw aborted(e);
            }
            touch();
            int status = response.status();
            long total;
            if (status == 206) {
                Matcher m = CONTENT_RANGE.matcher(response.header("Content-Range").orElse(""));
                if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                    response.discard();
                    restarts = restart(ch, md, restarts, "the server answered range '"
                            + response.header("Content-Range").orElse("") + "' to a request from byte " + have);
                    have = 0;
                    continue;
                }
                total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
            } else if (status == 200) {
                if (have > 0) {
                    LOG.log(System.Logger.Level.INFO, "{0} ignored the range request: pulling {1} from the start",
                            response.uri(), target);
                    ch.truncate(0);
                    md.reset();
                    have = 0;
                }
                total = response.http().headers().firstValueAsLong("Content-Length").orElse(-1);
            } else if (status == 416 && have > 0) {
                response.discard();
                Matcher m = UNSATISFIED_RANGE.matcher(response.header("Content-Range").orElse(""));
                if (m.matches() && Long.parseLong(m.group(1)) == have) {
                    return new Transferred(hex(md), have); // the .part was already complete
                }
                restarts = restart(ch, md, restarts, "the server refused the range from byte " + have);
                have = 0;
                continue;
            } else {
                response.discard();
                throw new PullException(PullException.Kind.HTTP_STATUS, fetch.statusMessage(request.source(), response),
                        status, null);
            }
            if (total >= 0) {
                checkDisk(total - have);
            }
            have = stream(response, ch, md, have, total);
            if (total >= 0 && have < total) {
                throw new PullException(PullException.Kind.IO, "connection closed after " + have + " of " + total
                        + " bytes from " + response.uri() + "; pull again to resume");
            }
            return new Transferred(hex(md), have);
        }
    }

    private int restart(FileChannel ch, MessageDigest md, int restarts, String why) throws IOException {
        if (restarts >= MAX_RESTARTS) {
            throw new PullException(PullException.Kind.IO, "cannot resume " + target + ": " + why);
        }
        LOG.log(System.Logger.Level.INFO, "{0}: pulling {1} from the start", why, target);
        ch.truncate(0);
        md.reset();
        return restarts + 1;
    }

    private long stream(HttpFetch.Response response, FileChannel ch, MessageDigest md, long have, long total)
            throws IOException {
        byte[] buf = new byte[BUFFER];
        ByteBuffer bb = ByteBuffer.wrap(buf);
        emit(new PullProgress(target, have, total, PullProgress.State.DOWNLOADING, Optional.empty()), true);
        ch.position(have);
        try (InputStream in = response.http().body()) {
            while (true) {
                int n;
                try {
                    n = in.read(buf);
                } catch (IOException e) {
                    checkAborted();
                    throw new PullException(PullException.Kind.IO, "download from " + response.uri() + " broke off after "
                            + have + (total >= 0 ? " of " + total : "") + " bytes (" + HttpFetch.describe(e)
                            + "); pull again to resume", e);
                }
                if (n < 0) {
                    return have;
                }
                touch();
                if (total >= 0 && have + n > total) {
                    throw new PullException(PullException.Kind.IO, response.uri() + " sent more than its declared "
                            + total + " bytes");
                }
                md.update(buf, 0, n);
                bb.clear().limit(n);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
                have += n;
                emit(new PullProgress(target, have, total, PullProgress.State.DOWNLOADING, Optional.empty()), false);
            }
        }
    }

    private void hashPrefix(FileChannel ch, long size, MessageDigest md, long total) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(BUFFER);
        long pos = 0;
        while (pos < size) {
            checkAborted();
            bb.clear();
            if (size - pos < bb.capacity()) {
                bb.limit((int) (size - pos));
            }
            int n = ch.read(bb, pos);
            if (n < 0) {
                throw new IOException("file shrank while reading it");
            }
            bb.flip();
            md.update(bb);
            pos += n;
            touch();
        }
    }

    private void checkDisk(long needed) throws PullException {
        long usable;
        try {
            usable = diskSpace.usableBytes(part.getParent());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot tell the free space in {0}: {1}", part.getParent(), e.toString());
            return;
        }
        if (needed > usable) {
            throw new PullException(PullException.Kind.INSUFFICIENT_DISK, "not enough disk space for " + target + ": needs "
                    + ByteSizes.format(needed) + " more, " + ByteSizes.format(usable) + " free in " + part.getParent());
        }
    }

    private void publish() throws PullException {
        try {
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new PullException(PullException.Kind.IO, "cannot rename " + part + " to " + target + " atomically", e);
        } catch (IOException e) {
            throw ioFailure("cannot publish " + target, e);
        }
        // The rename is durable only once the folder is synced; a failure here loses nothing now.
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot sync folder {0}: {1}", target.getParent(), e.toString());
        }
    }

    private void deletePartIfEmpty() {
        try {
            if (ownsPart && Files.isRegularFile(part) && Files.size(part) == 0) {
                Files.deleteIfExists(part);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot delete {0}: {1}", part, e.toString());
        }
    }

    private void deletePart() {
        try {
            Files.deleteIfExists(part);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete {0}: {1}", part, e.toString());
        }
    }

    /** Aborts the transfer once nothing has arrived for the idle timeout; ends when interrupted. */
    private void watch() {
        long idle = idleTimeout.toNanos();
        long period = Math.max(Duration.ofMillis(10).toNanos(), Math.min(Duration.ofSeconds(1).toNanos(), idle / 4));
        try {
            while (true) {
                Thread.sleep(Duration.ofNanos(period));
                if (System.nanoTime() - lastActivityNanos > idle) {
                    abort(new PullException(PullException.Kind.IO, "no data from " + request.source().downloadUri()
                            + " for " + seconds(idleTimeout) + "; the server stalled (pull again to resume)"));
                    return;
                }
            }
        } catch (InterruptedException e) {
            // The transfer ended.
        }
    }

    private void track(CompletableFuture<?> inFlight) throws PullException {
        exchange = inFlight;
        if (abortReason.get() != null) {
            inFlight.cancel(true);
            checkAborted();
        }
    }

    private void touch() {
        lastActivityNanos = System.nanoTime();
    }

    private void checkAborted() throws PullException {
        PullException reason = abortReason.get();
        if (reason != null) {
            throw new PullException(reason.kind(), reason.getMessage(), reason.httpStatus(), reason);
        }
    }

    private PullException aborted(Throwable cause) {
        PullException reason = abortReason.get();
        if (reason != null) {
            return new PullException(reason.kind(), reason.getMessage(), reason.httpStatus(), cause);
        }
        return new PullException(PullException.Kind.CANCELLED, "pull of " + target + " was interrupted", cause);
    }

    /** An I/O failure, unless it only reflects an abort (an interrupt closes the file channel). */
    private PullException ioFailure(String what, IOException e) {
        if (e instanceof PullException p) {
            return p;
        }
        if (abortReason.get() != null) {
            return aborted(e);
        }
        return new PullException(PullException.Kind.IO, what + ": " + HttpFetch.describe(e), e);
    }

    /**
     * Records progress for {@link #latest} (always current) and hands it to the listeners: byte
     * counts at most every 50 ms, state changes always.
     */
    private void emit(PullProgress p, boolean always) {
        latest = p;
        long now = System.nanoTime();
        if (!always && now - lastEmitNanos < PROGRESS_INTERVAL_NANOS) {
            return;
        }
        lastEmitNanos = now;
        for (PullListener l : listeners) {
            deliver(l, p);
        }
    }

    private void deliver(PullListener listener, PullProgress p) {
        try {
            listener.onProgress(p);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "a progress listener of the pull of {0} failed and was dropped: {1}",
                    target, e.toString());
            listeners.remove(listener);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String hex(MessageDigest md) {
        return HexFormat.of().formatHex(md.digest());
    }


    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
