package io.edgenode.server.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.engine.KvState;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session KV snapshots through the writer and back, on a real disk: every native state has one owner and is freed
 * (the writer closes what it wrote or dropped; a restored state is a mapping the caller owns).
 */
class KvHibernationTest {
    @TempDir
    Path dir;

    private static KvState state(int tokens, int bytes) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment s = scratch.allocate(bytes);
            for (int i = 0; i < bytes; i++) {
                s.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
            }
            return KvState.copyOf(java.util.stream.IntStream.range(0, tokens).toArray(), s);
        }
    }

    private Path model(String name) throws IOException {
        return Files.write(dir.resolve(name), ("weights of " + name).getBytes());
    }

    @Test
    void shouldWriteACapturedStateFreeItAndRestoreItAsAMapping() throws Exception {
        ModelDigests digests = new ModelDigests(dir);
        Path model = model("m.gguf");
        digests.digest(model).get(10, TimeUnit.SECONDS);
        try (KvHibernation kv = new KvHibernation(new KvSnapshotStore(dir, 1 << 20), digests)) {
            KvState captured = state(40, 10_000);
            MemorySegment expected = Arena.ofAuto().allocate(10_000).copyFrom(captured.state());

            kv.save("s1", model, captured);
            assertTrue(kv.flush(Duration.ofSeconds(10)));

            assertFalse(captured.isOpen(), "the writer freed the state once it was on disk");
            assertEquals(1, kv.snapshotsWritten());
            Optional<KvState> restored = kv.restore("s1", model);
            assertTrue(restored.isPresent());
            try (KvState r = restored.get()) {
                assertTrue(r.state().isMapped(), "restored from a mapping of the file, not a heap copy");
                assertEquals(-1, r.state().mismatch(expected));
                assertArrayEquals(java.util.stream.IntStream.range(0, 40).toArray(), r.tokens());
            }
            assertFalse(restored.get().isOpen(), "closing the restored state unmaps the file");
        }
    }

    @Test
    void shouldFreeAStateItDoesNotWrite() throws Exception {
        ModelDigests digests = new ModelDigests(dir);
        Path known = model("known.gguf");
        digests.digest(known).get(10, TimeUnit.SECONDS);
        Path unknown = dir.resolve("gone.gguf"); // no digest (the file went away): the turn's snapshot is skipped
        KvHibernation kv = new KvHibernation(new KvSnapshotStore(dir, 1 << 20), digests);
        KvState notDigested = state(10, 100);

        kv.save("s", unknown, notDigested);

        assertFalse(notDigested.isOpen(), "skipped, and freed at once");
        kv.close();
        KvState afterClose = state(10, 100);
        kv.save("s", known, afterClose);
        assertFalse(afterClose.isOpen(), "the writer is closed: dropped, and freed");
        assertEquals(0, kv.snapshotsWritten());
        assertEquals(1, kv.snapshotsDropped(), "the skipped one is not a drop; the refused one is");
    }
}
