package io.edgenode.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.engine.KvState;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KV snapshot files on a real disk: round trips, models, corruption, the LRU budget. */
class KvSnapshotStoreTest {
    private static final String MODEL = "a".repeat(64);
    private static final String OTHER_MODEL = "b".repeat(64);

    @TempDir
    Path dir;

    /** A snapshot whose state is native memory, as the engine captures it (freed with the test's arena). */
    private static KvSnapshot snapshot(int tokens, int stateBytes, long seed) {
        Random r = new Random(seed);
        int[] t = r.ints(tokens, -5, 200_000).toArray();
        MemorySegment state = ARENA.allocate(Math.max(1, stateBytes)).asSlice(0, stateBytes);
        for (long i = 0; i < stateBytes; i++) {
            state.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
        }
        return new KvSnapshot(MODEL, t, state);
    }

    private static final Arena ARENA = Arena.ofShared();

    @AfterAll
    static void freeStates() {
        ARENA.close();
    }

    /** Asserts the store read back exactly {@code expected}, from a mapping of the file, and frees what it read. */
    private static void assertReads(KvSnapshot expected, Optional<KvState> read) {
        assertTrue(read.isPresent(), "a snapshot was read");
        try (KvState kv = read.get()) {
            assertEquals(expected, new KvSnapshot(MODEL, kv.tokens(), kv.state()));
            assertTrue(kv.state().isMapped(), "the state is the mapped file, not a copy");
        }
    }

    /** Whether a snapshot was read; frees it. */
    private static boolean found(Optional<KvState> read) {
        read.ifPresent(KvState::close);
        return read.isPresent();
    }

    @Test
    void shouldReadBackExactlyWhatWasWritten() throws IOException {
        KvSnapshotStore store = new KvSnapshotStore(dir, 1 << 20);
        KvSnapshot s = snapshot(300, 70_000, 1); // larger than the reader's buffer

        store.write("chat/../1", s);

        assertReads(s, store.read("chat/../1", MODEL));
        Path file = store.fileFor("chat/../1");
        assertEquals(dir.resolve("kv"), file.getParent());
        assertTrue(file.getFileName().toString().matches("[0-9a-f]{64}\\.kv"), file.toString());
        assertEquals(Files.size(file), store.usedBytes());
        assertEquals(List.of(file), listKv(), "no temporary file is left behind");
    }

    @Test
    void shouldReplaceASessionsSnapshotOnWrite() throws IOException {
        KvSnapshotStore store = new KvSnapshotStore(dir, 1 << 20);
        store.write("s", snapshot(10, 1_000, 1));
        KvSnapshot newer = snapshot(20, 500, 2);

        store.write("s", newer);

        assertReads(newer, store.read("s", MODEL));
        assertEquals(Files.size(store.fileFor("s")), store.usedBytes());
    }

    @Test
    void shouldFindNothingForAnotherModelOrAMissingSnapshot() throws IOException {
        KvSnapshotStore store = new KvSnapshotStore(dir, 1 << 20);
        store.write("s", snapshot(10, 100, 1));

        assertEquals(Optional.empty(), store.read("s", OTHER_MODEL));
        assertTrue(Files.exists(store.fileFor("s")), "a snapshot for another model is not corrupt: it stays");
        assertEquals(Optional.empty(), store.read("missing", MODEL));
        assertTrue(found(store.read("s", MODEL)));
    }

    @Test
    void shouldDetectATruncatedFileAtAnyLengthAndDeleteIt() throws IOException {
        KvSnapshotStore store = new KvSnapshotStore(dir, 1 << 20);
        KvSnapshot s = snapshot(50, 5_000, 3);
        store.write("s", s);
        long full = Files.size(store.fileFor("s"));
        long headerEnd = full - 4 - 5_000;

        for (long cut : new long[] {0, 1, 3, 4, 9, 20, headerEnd - 9, headerEnd - 1, headerEnd, headerEnd + 2_500,
                full - 4, full - 1}) {
            store.write("s", s);
            try (FileChannel ch = FileChannel.open(store.fileFor("s"), StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }

            assertEquals(Optional.empty(), store.read("s", MODEL), "cut at " + cut);
            assertFalse(Files.exists(store.fileFor("s")), "cut at " + cut + ": the bad file is deleted");
            assertEquals(0, store.usedBytes(), "cut at " + cut);
        }
    }

    @Test
    void shouldDetectAFlippedByteOrAppendedGarbageAndDeleteTheFile() throws IOException {
        KvSnapshotStore store = new KvSnapshotStore(dir, 1 << 20);
        KvSnapshot s = snapshot(50, 5_000, 4);
        store.write("sess", s);
        long full = Files.size(store.fileFor("sess"));
        // magic, version, session id length, session id, token count, a token, state length, the state, the crc
        int shaEnd = 4 + 4 + 4 + 4 + 4 + 64;
        for (long at : new long[] {0, 5, 8, 13, shaEnd + 1, shaEnd + 10, full - 5_000 - 6, full - 2_000, full - 1}) {
            store.write("sess", s);
            Path file = store.fileFor("sess");
            byte[] bytes = Files.readAllBytes(file);
            bytes[(int) at] ^= 0x10;
            Files.write(file, bytes);

            assertEquals(Optional.empty(), store.read("sess", MODEL), "flip at " + at);
            assertFalse(Files.exists(file), "flip at " + at + ": the bad file is deleted");
        }

        store.write("sess", s);
        Files.write(store.fileFor("sess"), new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
        assertEquals(Optional.empty(), store.read("sess", MODEL), "trailing garbage");
        assertFalse(Files.exists(store.fileFor("sess")));
    }

    @Test
    void shouldRejectAFileThatHoldsAnotherSession() throws IOException {
        KvSnapshotStore store = new KvSnapshotStore(dir, 1 << 20);
        store.write("a", snapshot(5, 10, 5));
        Files.copy(store.fileFor("a"), store.fileFor("b"));

        assertEquals(Optional.empty(), new KvSnapshotStore(dir, 1 << 20).read("b", MODEL));
        assertFalse(Files.exists(store.fileFor("b")));
    }

    @Test
    void shouldEvictTheLeastRecentlyUsedSnapshotToFitTheBudget() throws IOException {
        KvSnapshot s = snapshot(100, 10_000, 6);
        long size = KvSnapshotFile.size("a", s); // ids of one length give files of one size
        KvSnapshotStore store = new KvSnapshotStore(dir, 2 * size + size / 2);
        store.write("a", s);
        store.write("b", s);
        assertTrue(found(store.read("a", MODEL))); // "a" is now more recent than "b"

        store.write("c", s);

        assertTrue(Files.exists(store.fileFor("a")));
        assertFalse(Files.exists(store.fileFor("b")), "b was the least recently used");
        assertTrue(Files.exists(store.fileFor("c")));
        assertEquals(2 * size, store.usedBytes());
        assertEquals(Optional.empty(), store.read("b", MODEL));

        store.write("a", s); // rewriting counts as a use too: c is now the oldest
        store.write("d", s);
        assertFalse(Files.exists(store.fileFor("c")));
        assertEquals(List.of(store.fileFor("a"), store.fileFor("d")).stream().sorted().toList(), listKv());
    }

    @Test
    void shouldSkipASnapshotLargerThanTheWholeBudgetAndKeepTheOlderOne() throws IOException {
        KvSnapshot small = snapshot(10, 100, 7);
        KvSnapshotStore store = new KvSnapshotStore(dir, 1_000);
        store.write("s", small);

        store.write("s", snapshot(10, 5_000, 8));

        assertReads(small, store.read("s", MODEL));
        assertEquals(Files.size(store.fileFor("s")), store.usedBytes());
    }

    @Test
    void shouldDoNothingWhenTheBudgetIsZero() throws IOException {
        KvSnapshotStore store = new KvSnapshotStore(dir, 0);

        store.write("s", snapshot(10, 100, 9));

        assertFalse(Files.exists(store.fileFor("s")));
        assertFalse(Files.exists(dir.resolve("kv")), "disabled snapshots create no directory");
        assertEquals(Optional.empty(), store.read("s", MODEL));
        assertEquals(0, store.usedBytes());
        assertThrows(IllegalArgumentException.class, () -> new KvSnapshotStore(dir, -1));
    }

    @Test
    void shouldDeleteASnapshot() throws IOException {
        KvSnapshotStore store = new KvSnapshotStore(dir, 1 << 20);
        store.write("s", snapshot(10, 100, 10));
        store.write("t", snapshot(10, 100, 11));

        store.delete("s");
        store.delete("never-written");

        assertFalse(Files.exists(store.fileFor("s")));
        assertEquals(Optional.empty(), store.read("s", MODEL));
        assertEquals(Files.size(store.fileFor("t")), store.usedBytes());
    }

    @Test
    void shouldAccountForExistingFilesAtOpenAndEvictTheOldestByModificationTime() throws IOException {
        KvSnapshot s = snapshot(10, 1_000, 12);
        long size = KvSnapshotFile.size("a", s);
        KvSnapshotStore first = new KvSnapshotStore(dir, 1 << 20);
        for (String id : List.of("a", "b", "c")) {
            first.write(id, s);
        }
        long now = System.currentTimeMillis();
        Files.setLastModifiedTime(first.fileFor("b"), FileTime.fromMillis(now - 30_000)); // oldest
        Files.setLastModifiedTime(first.fileFor("a"), FileTime.fromMillis(now - 20_000));
        Files.setLastModifiedTime(first.fileFor("c"), FileTime.fromMillis(now - 10_000));
        Path leftover = dir.resolve("kv").resolve("0123.kv.99.tmp");
        Files.write(leftover, new byte[100]);

        KvSnapshotStore reopened = new KvSnapshotStore(dir, 2 * size);

        assertFalse(Files.exists(leftover), "a crash's temporary file is removed at open");
        assertFalse(Files.exists(first.fileFor("b")), "the least recently modified snapshot made room");
        assertEquals(2 * size, reopened.usedBytes());
        assertReads(s, reopened.read("a", MODEL));
        assertReads(s, reopened.read("c", MODEL));
    }

    @Test
    void shouldStayWithinTheBudgetUnderConcurrentWritesAndReads() throws Exception {
        long budget = 200_000;
        KvSnapshotStore store = new KvSnapshotStore(dir, budget);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> tasks = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                tasks.add(threads.submit(() -> {
                    String id = "s" + (n % 12);
                    KvSnapshot s = snapshot(n % 50, 10_000 + 97 * n, n);
                    store.write(id, s);
                    store.read(id, MODEL).ifPresent(got -> {
                        try (got) {
                            // Some write of this session, intact: its size and token count belong together.
                            long m = (got.stateBytes() - 10_000) / 97;
                            assertEquals(n % 12, m % 12);
                            assertEquals(m % 50, got.tokenCount());
                        }
                    });
                    return null;
                }));
            }
            for (Future<?> f : tasks) {
                f.get(120, TimeUnit.SECONDS);
            }
        }
        long onDisk = 0;
        for (Path p : listKv()) {
            onDisk += Files.size(p);
            String name = p.getFileName().toString();
            assertFalse(name.endsWith(".tmp"), name);
        }
        assertEquals(onDisk, store.usedBytes(), "the accounting matches the directory");
        assertTrue(onDisk <= budget, onDisk + " bytes on disk");
    }

    @Test
    void shouldWriteTheDocumentedHeader() throws IOException {
        KvSnapshotStore store = new KvSnapshotStore(dir, 1 << 20);
        store.write("id", new KvSnapshot(MODEL, new int[] {7}, MemorySegment.ofArray(new byte[] {42})));

        byte[] b = Files.readAllBytes(store.fileFor("id"));

        assertEquals("ENKV", new String(b, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(1, b[4]); // format version, little-endian
        assertEquals(2, b[8]); // session id length
        assertEquals("id", new String(b, 12, 2, StandardCharsets.UTF_8));
        assertEquals(4 + 4 + 4 + 2 + 4 + 64 + 4 + 4 + 8 + 1 + 4, b.length);
    }

    private List<Path> listKv() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("kv"))) {
            return files.sorted().toList();
        }
    }
}
