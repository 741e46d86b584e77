package io.edgenode.server.session;

import io.edgenode.core.engine.KvState;
import io.edgenode.server.session.KvSnapshotFile.CorruptSnapshotException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Session KV-cache snapshots as files beside the database, under a disk budget. Thread-safe: file contents are read
 * and written outside the lock; the lock guards the LRU accounting and every rename or delete in the directory, so
 * the accounting and the directory change in the same order.
 *
 * <p>Files are {@code <dataDir>/kv/<hex sha256 of the session id>.kv}: session ids are chosen by clients and never
 * become file names themselves. The format ({@link KvSnapshotFile}) carries the session id, the model's sha256, the
 * tokens and a CRC32C, so a file for another model is ignored and a corrupt or truncated one is detected, logged
 * and deleted, never handed to llama.cpp.
 *
 * <p>A write goes to a temporary file, is fsynced, renamed over the old snapshot (atomic) and the directory is
 * fsynced: a crash leaves the old snapshot or the new one, never a mix. Leftover temporary files are deleted at
 * open. Files are never modified in place (only renamed over or unlinked), which is what keeps a snapshot that a
 * reader mapped valid while a newer one replaces it.
 *
 * <p>The budget counts whole file sizes. After each write, least recently used snapshots (by last successful read or
 * write; the order starts from the files' modification times at open and is then kept in memory) are deleted until
 * the total fits. One store per directory: the accounting assumes no other process writes there.
 */
public final class KvSnapshotStore {
    private static final System.Logger LOG = System.getLogger(KvSnapshotStore.class.getName());
    static final String DIRECTORY = "kv";
    static final String SUFFIX = ".kv";
    static final String TEMP_SUFFIX = ".tmp";

    private final Path dir;
    private final long budgetBytes;
    private final ReentrantLock lock = new ReentrantLock();
    /** File name to size, least recently used first (access order). Guarded by {@link #lock}. */
    private final LinkedHashMap<String, Long> entries = new LinkedHashMap<>(16, 0.75f, true);
    /** Sum of {@link #entries}' sizes. Guarded by {@link #lock}. */
    private long usedBytes;

    /**
     * Opens the snapshot directory {@code <dataDir>/kv}, creating it when snapshots are enabled, deletes temporary
     * files a crash left behind, and deletes least recently modified snapshots until the rest fit the budget.
     *
     * @param budgetBytes disk budget for all snapshots; 0 disables snapshots (writes do nothing, reads find nothing)
     */
    public KvSnapshotStore(Path dataDir, long budgetBytes) throws IOException {
        Objects.requireNonNull(dataDir, "dataDir");
        if (budgetBytes < 0) {
            throw new IllegalArgumentException("KV snapshot budget must not be negative, got " + budgetBytes);
        }
        this.dir = dataDir.toAbsolutePath().resolve(DIRECTORY);
        this.budgetBytes = budgetBytes;
        if (budgetBytes == 0) {
            return;
        }
        Files.createDirectories(dir);
        record Found(String name, long size, long modified) {}
        List<Found> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (name.endsWith(TEMP_SUFFIX)) {
                    Files.deleteIfExists(f);
                } else if (name.endsWith(SUFFIX)) {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        found.add(new Found(name, a.size(), a.lastModifiedTime().toMillis()));
                    }
                }
            }
        }
        found.sort(Comparator.comparingLong(Found::modified).thenComparing(Found::name));
        lock.lock();
        try {
            for (Found f : found) {
                entries.put(f.name(), f.size());
                usedBytes += f.size();
            }
            evictToFit(null);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Saves {@code snapshot} as the session's snapshot, replacing the previous one, then evicts least recently used
     * snapshots of other sessions until the total fits the budget. Does nothing when snapshots are disabled; a
     * snapshot bigger than the whole budget is not saved (logged), and the session's previous snapshot, which still
     * describes its own tokens correctly, stays.
     *
     * @throws IOException when the file cannot be written; the previous snapshot is then untouched
     */
    public void write(String sessionId, KvSnapshot snapshot) throws IOException {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(snapshot, "snapshot");
        if (budgetBytes == 0) {
            return;
        }
        long size = KvSnapshotFile.size(sessionId, snapshot);
        if (size > budgetBytes) {
            LOG.log(System.Logger.Level.INFO, "KV snapshot of session {0} is {1} bytes, more than the whole budget"
                    + " of {2} bytes: not saved", sessionId, size, budgetBytes);
            return;
        }
        String name = fileName(sessionId);
        Path target = dir.resolve(name);
        Path tmp = Files.createTempFile(dir, name + ".", TEMP_SUFFIX);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                KvSnapshotFile.write(ch, sessionId, snapshot);
                ch.force(true);
            }
            lock.lock();
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                Long old = entries.put(name, size);
                usedBytes += size - (old == null ? 0 : old);
                evictToFit(name);
            } finally {
                lock.unlock();
            }
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        syncDirectory();
    }

    /**
     * The session's snapshot for the model with {@code modelSha256}, its state mapped from the file (no heap copy);
     * the caller owns the returned KvState and closes it (which unmaps the file). Empty when there is none, when
     * snapshots are disabled, when it was written for another model (the file stays), when it is corrupt or
     * truncated (logged at WARNING with the reason; the file is deleted), or when it cannot be read (logged). Never
     * throws for a bad file.
     */
    public Optional<KvState> read(String sessionId, String modelSha256) {
        Objects.requireNonNull(sessionId, "sessionId");
        Objects.requireNonNull(modelSha256, "modelSha256");
        if (budgetBytes == 0) {
            return Optional.empty();
        }
        String name = fileName(sessionId);
        Path path = dir.resolve(name);
        FileChannel ch;
        Object fileKey;
        long size;
        // Opened under the lock so that no rename interleaves: fileKey is the identity of the file we read.
        lock.lock();
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
            try {
                fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
                size = ch.size();
            } catch (IOException e) {
                ch.close();
                throw e;
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot open KV snapshot {0} of session {1}: {2}", path, sessionId, e);
            return Optional.empty();
        } finally {
            lock.unlock();
        }
        try (ch) {
            // The mapping outlives the channel: closing the channel does not unmap.
            Optional<KvState> snapshot = KvSnapshotFile.read(ch, size, sessionId, modelSha256);
            if (snapshot.isPresent()) {
                touch(name);
            }
            return snapshot;
        } catch (CorruptSnapshotException e) {
            LOG.log(System.Logger.Level.WARNING, "discarding KV snapshot {0} of session {1}: {2}", path, sessionId,
                    e.getMessage());
            discard(name, path, fileKey);
            return Optional.empty();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read KV snapshot {0} of session {1}: {2}", path, sessionId, e);
            return Optional.empty();
        }
    }

    /** Deletes the session's snapshot, if any (also when snapshots are disabled). */
    public void delete(String sessionId) throws IOException {
        Objects.requireNonNull(sessionId, "sessionId");
        String name = fileName(sessionId);
        lock.lock();
        try {
            Files.deleteIfExists(dir.resolve(name));
            forget(name);
        } finally {
            lock.unlock();
        }
    }

    /** Bytes the snapshots take on disk, as accounted. */
    public long usedBytes() {
        lock.lock();
        try {
            return usedBytes;
        } finally {
            lock.unlock();
        }
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /** The file that holds (or would hold) the session's snapshot. */
    public Path fileFor(String sessionId) {
        return dir.resolve(fileName(Objects.requireNonNull(sessionId, "sessionId")));
    }

    private static String fileName(String sessionId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(sessionId.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest) + SUFFIX;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private void touch(String name) {
        lock.lock();
        try {
            entries.get(name); // access order: now the most recently used
        } finally {
            lock.unlock();
        }
    }

    /** Deletes a corrupt file unless a write has replaced it since it was opened (then the new file is kept). */
    private void discard(String name, Path path, Object fileKey) {
        lock.lock();
        try {
            Object current = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            if (fileKey == null || fileKey.equals(current)) {
                Files.deleteIfExists(path);
                forget(name);
            }
        } catch (NoSuchFileException e) {
            forget(name);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete corrupt KV snapshot {0}: {1}", path, e);
        } finally {
            lock.unlock();
        }
    }

    /** Caller holds the lock. */
    private void forget(String name) {
        Long size = entries.remove(name);
        if (size != null) {
            usedBytes -= size;
        }
    }

    /** Caller holds the lock. Deletes least recently used files, never {@code keep}, until the total fits. */
    private void evictToFit(String keep) {
        Iterator<Map.Entry<String, Long>> it = entries.entrySet().iterator();
        while (usedBytes > budgetBytes && it.hasNext()) {
            Map.Entry<String, Long> e = it.next();
            if (e.getKey().equals(keep)) {
                continue;
            }
            try {
                Files.deleteIfExists(dir.resolve(e.getKey()));
            } catch (IOException ex) {
                LOG.log(System.Logger.Level.WARNING, "cannot evict KV snapshot {0}: {1}", e.getKey(), ex);
                continue; // still on disk, so still counted
            }
            LOG.log(System.Logger.Level.DEBUG, "evicted KV snapshot {0} ({1} bytes) to fit the budget of {2}",
                    e.getKey(), e.getValue(), budgetBytes);
            usedBytes -= e.getValue();
            it.remove();
        }
    }

    /** Makes the rename itself durable. Best effort: not every platform lets a directory be opened and synced. */
    private void syncDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot fsync {0}: {1}", dir, e);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete temporary file {0}: {1}", p, e);
        }
    }
}
