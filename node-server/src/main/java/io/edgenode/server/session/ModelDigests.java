package io.edgenode.server.session;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SHA-256 digests of model files, which key KV snapshots (a snapshot restores only into the
 * exact weights that produced it). Hashing a multi-gigabyte file takes seconds, so digests are
 * computed once on a virtual thread and remembered in {@code <dataDir>/model-digests.properties},
 * keyed by absolute path, size and modification time (a replaced file is hashed again).
 * Thread-safe.
 */
public final class ModelDigests {
    private static final System.Logger LOG = System.getLogger(ModelDigests.class.getName());

    private final Path cacheFile;
    /** By {@link #key}: a file replaced in place is a new entry. */
    private final Map<String, CompletableFuture<String>> byKey = new ConcurrentHashMap<>();

    public ModelDigests(Path dataDir) {
        this.cacheFile = dataDir.resolve("model-digests.properties");
    }

    /** The digest when known now (computed or cached); otherwise starts computing it and returns empty. */
    public Optional<String> digestIfReady(Path modelFile) {
        CompletableFuture<String> f = digest(modelFile);
        return f.isDone() && !f.isCompletedExceptionally() ? Optional.of(f.join()) : Optional.empty();
    }

    /** The file's digest, computed on a virtual thread unless known. */
    public CompletableFuture<String> digest(Path modelFile) {
        Path file = modelFile.toAbsolutePath().normalize();
        String key;
        try {
            key = key(file);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (key == null) {
            return CompletableFuture.failedFuture(new java.nio.file.NoSuchFileException(file.toString()));
        }
        CompletableFuture<String> f = byKey.computeIfAbsent(key, k -> {
            CompletableFuture<String> future = new CompletableFuture<>();
            Thread.ofVirtual().name("digest-" + file.getFileName()).start(() -> {
                try {
                    future.complete(compute(file, k));
                } catch (IOException | RuntimeException e) {
                    future.completeExceptionally(e);
                }
            });
            return future;
        });
        if (f.isCompletedExceptionally()) {
            byKey.remove(key, f); // retried next time
        }
        return f;
    }

    private String compute(Path file, String key) throws IOException {
        String known = cached(key);
        if (known != null) {
            return known;
        }
        long t0 = System.nanoTime();
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
        String hex = HexFormat.of().formatHex(sha.digest());
        LOG.log(System.Logger.Level.INFO, "sha256 of {0}: {1} ({2} ms)", file, hex, (System.nanoTime() - t0) / 1_000_000);
        remember(key, hex);
        return hex;
    }

    /** "size:mtime:path" — a file replaced in place gets a new key. */
    private static String key(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        return Files.size(file) + ":" + Files.getLastModifiedTime(file).toMillis() + ":" + file;
    }

    private synchronized String cached(String key) {
        return load().getProperty(key);
    }

    private synchronized void remember(String key, String hex) {
        if (key == null) {
            return;
        }
        try {
            Properties p = load();
            p.setProperty(key, hex);
            Files.createDirectories(cacheFile.getParent());
            Path tmp = cacheFile.resolveSibling(cacheFile.getFileName() + ".tmp");
            try (var out = Files.newOutputStream(tmp)) {
                p.store(out, "sha256 of model files (size:mtime:path), written by edgenode");
            }
            Files.move(tmp, cacheFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | UncheckedIOException e) {
            // Only a cache: the digest is recomputed after a restart.
            LOG.log(System.Logger.Level.WARNING, "cannot remember model digest in {0}: {1}", cacheFile, e.getMessage());
        }
    }

    private Properties load() {
        Properties p = new Properties();
        if (Files.isRegularFile(cacheFile)) {
            try (var in = Files.newInputStream(cacheFile)) {
                p.load(in);
            } catch (IOException | IllegalArgumentException e) {
                LOG.log(System.Logger.Level.WARNING, "ignoring unreadable {0}: {1}", cacheFile, e.getMessage());
            }
        }
        return p;
    }
}
