package io.edgenode.server.memory;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's vector indexes, used from any thread (lookups read a concurrent map; creating and
 * deleting serialise on this object; every method may block on disk): one folder each under
 * {@code <data-dir>/indexes/<name>/}, the spec in {@code index.json} and the Lucene index in
 * {@code lucene/}.
 *
 * <p>Crash safety: {@code index.json} is written last when creating (a folder without it is an
 * unfinished create, removed at the next start), and a deleted index is first renamed to a
 * {@code .trash-} folder (one atomic step), then removed; leftovers are removed at start.
 */
public final class VectorIndexes implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VectorIndexes.class.getName());
    private static final String TRASH = ".trash-";

    private final Path root;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, VectorIndex> open = new ConcurrentHashMap<>();
    /** Indexes whose files could not be opened at start: kept on disk untouched, answered with 503. */
    private final Map<String, String> broken = new ConcurrentHashMap<>();

    private VectorIndexes(Path root) {
        this.root = root;
    }

    /** Opens every index under {@code dataDir/indexes} (created if missing). */
    public static VectorIndexes open(Path dataDir) throws IOException {
        Path root = Objects.requireNonNull(dataDir, "dataDir").resolve("indexes");
        Files.createDirectories(root);
        VectorIndexes indexes = new VectorIndexes(root);
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                if (name.startsWith(TRASH) || !Files.exists(dir.resolve(IndexSpec.FILE))) {
                    LOG.log(System.Logger.Level.INFO, "removing unfinished or deleted index folder {0}", dir);
                    removeTree(dir);
                    continue;
                }
                try {
                    IndexSpec spec = IndexSpec.read(dir, indexes.json);
                    indexes.open.put(spec.name(), VectorIndex.open(spec, dir.resolve("lucene")));
                } catch (IOException | RuntimeException e) {
                    // One damaged index must not keep the node (and the other indexes) down; its
                    // files stay as they are for an operator to look at.
                    LOG.log(System.Logger.Level.ERROR, "index folder " + dir + " could not be opened", e);
                    indexes.broken.put(name, String.valueOf(e.getMessage()));
                }
            }
        } catch (IOException | RuntimeException e) {
            indexes.close();
            throw e;
        }
        return indexes;
    }

    /** Creates the index of {@code spec}; 409 if its name is taken. */
    public synchronized VectorIndex create(IndexSpec spec) throws IOException {
        if (open.containsKey(spec.name()) || broken.containsKey(spec.name())) {
            throw new MemoryException(MemoryException.Kind.CONFLICT, "name", "index_exists",
                    "The index `" + spec.name() + "` already exists.");
        }
        Path dir = root.resolve(spec.name());
        if (Files.exists(dir)) {
            removeTree(dir); // an unfinished create of this process (index.json never written)
        }
        Files.createDirectories(dir);
        VectorIndex index = VectorIndex.open(spec, dir.resolve("lucene"));
        try {
            spec.write(dir, json); // last: from here on the index exists, also after a crash
            IndexSpec.fsyncDirectory(root);
        } catch (IOException | RuntimeException e) {
            index.close();
            removeTree(dir);
            throw e;
        }
        open.put(spec.name(), index);
        return index;
    }

    public Optional<VectorIndex> get(String name) {
        return Optional.ofNullable(open.get(name));
    }

    /** The index called {@code name}, or a 404. */
    public VectorIndex require(String name) {
        VectorIndex index = open.get(name);
        if (index == null) {
            String why = broken.get(name);
            if (why != null) {
                throw new MemoryException(MemoryException.Kind.UNAVAILABLE, null, "index_unavailable",
                        "The index `" + name + "` could not be opened at start: " + why);
            }
            throw MemoryException.notFound(name);
        }
        return index;
    }

    /** Every index, by name. */
    public List<VectorIndex> list() {
        List<VectorIndex> all = new ArrayList<>(open.values());
        all.sort(Comparator.comparing(i -> i.spec().name()));
        return all;
    }

    /**
     * Deletes the index and its files; false if there was none. Writes in flight on it finish
     * first (or fail as if the index never existed, if they start after).
     */
    public synchronized boolean delete(String name) throws IOException {
        VectorIndex index = open.remove(name);
        if (index == null && broken.remove(name) == null) {
            return false;
        }
        if (index != null) {
            index.close();
        }
        Path dir = root.resolve(name);
        Path trash = root.resolve(TRASH + name + "-" + System.nanoTime());
        Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
        IndexSpec.fsyncDirectory(root);
        removeTree(trash);
        return true;
    }

    private static void removeTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Closes every index (each has committed all it acknowledged). */
    @Override
    public synchronized void close() {
        for (VectorIndex index : open.values()) {
            try {
                index.close();
            } catch (IOException | UncheckedIOException e) {
                LOG.log(System.Logger.Level.WARNING, "closing index " + index.spec().name() + ": " + e.getMessage());
            }
        }
        open.clear();
    }
}
