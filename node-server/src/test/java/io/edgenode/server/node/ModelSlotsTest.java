package io.edgenode.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.server.config.NodeConfigReader;
import io.edgenode.server.node.ModelHost.UnloadResult;
import io.edgenode.server.node.ModelSlots.Waiting;
import io.edgenode.server.node.ModelUnavailableException.Reason;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The slots' bookkeeping before a model is in memory: who starts a load, who joins it, what a
 * failure, a refused reservation and shutdown leave behind. (Loaded models, leases on them and
 * evictions run with real engines in the HTTP package's ModelRegistryTest.)
 */
class ModelSlotsTest {
    static final long MIB = 1 << 20;

    static ModelSlots slots(String... ids) {
        StringBuilder yaml = new StringBuilder("models:\n");
        for (String id : ids) {
            yaml.append("  - id: ").append(id).append("\n    path: ").append(id).append(".gguf\n")
                    .append("    preload: ").append(id.startsWith("pre")).append("\n");
        }
        return new ModelSlots(NodeConfigReader.parse(yaml.toString(), Path.of("target"), "slots.yaml").models());
    }

    static Waiting waiting(ModelSlots.Claim c) {
        return assertInstanceOf(Waiting.class, c, "not loaded yet");
    }

    @Test
    void shouldLetTheFirstCallerStartTheLoadAndTheOthersJoinIt() throws Exception {
        ModelSlots slots = slots("a");
        Waiting first = waiting(slots.lease("a"));
        Waiting second = waiting(slots.lease("a"));
        Waiting admin = waiting(slots.claimLoad("a"));

        assertTrue(first.mustStart());
        assertFalse(second.mustStart());
        assertFalse(admin.mustStart());
        assertSame(first.load(), second.load());
        assertSame(first.load(), admin.load());
        assertEquals(ModelStatus.State.LOADING, slots.status("a").state());
        assertEquals(UnloadResult.LOADING, slots.unloadIdle("a").result());
    }

    @Test
    void shouldShowTheDownloadWithinALoadAndGoBackToLoading() throws Exception {
        ModelSlots slots = slots("a");
        slots.markDownloading("a");
        assertEquals(ModelStatus.State.AVAILABLE, slots.status("a").state(), "no load, no state change");
        waiting(slots.lease("a"));
        slots.markDownloading("a");
        assertEquals(ModelStatus.State.DOWNLOADING, slots.status("a").state());
        slots.markLoading("a");
        assertEquals(ModelStatus.State.LOADING, slots.status("a").state());
    }

    @Test
    void shouldKeepAFailureUntilTheNextRequestTriesAgain() throws Exception {
        ModelSlots slots = slots("a");
        Waiting first = waiting(slots.lease("a"));
        slots.reserve("a", 100 * MIB, 1000 * MIB);
        slots.fail("a", "model a failed to load: bad magic");

        assertEquals(ModelStatus.State.FAILED, slots.status("a").state());
        assertEquals(Optional.of("model a failed to load: bad magic"), slots.failure("a"));
        assertEquals(Optional.of("model a failed to load: bad magic"), slots.status("a").error());
        assertEquals(UnloadResult.NOT_LOADED, slots.unloadIdle("a").result());

        Waiting retry = waiting(slots.lease("a"));
        assertTrue(retry.mustStart());
        assertNotSame(first.load(), retry.load());
        assertEquals(Optional.empty(), slots.failure("a"));
        assertEquals(ModelStatus.State.LOADING, slots.status("a").state());
    }

    @Test
    void shouldCountALoadingModelsReservationAndRefuseWhatDoesNotFitBesideIt() throws Exception {
        ModelSlots slots = slots("a", "b");
        waiting(slots.lease("a"));
        waiting(slots.lease("b"));
        assertEquals(List.of(), slots.reserve("a", 600 * MIB, 1000 * MIB));

        ModelUnavailableException e = assertThrows(ModelUnavailableException.class,
                () -> slots.reserve("b", 600 * MIB, 1000 * MIB));
        assertEquals(Reason.OVER_BUDGET, e.reason());
        assertTrue(e.getMessage().startsWith("model b needs 600 MiB but the memory budget is 1000 MiB with 600 MiB"
                + " in use by a 600 MiB (busy or preloaded)"), e.getMessage());

        slots.fail("a", "gone");
        assertEquals(List.of(), slots.reserve("b", 600 * MIB, 1000 * MIB), "a failed load returns its memory");
    }

    @Test
    void shouldRefuseLeasesAndReservationsOnceClosed() throws Exception {
        ModelSlots slots = slots("a");
        waiting(slots.lease("a"));
        assertEquals(Optional.of(List.of()), slots.close());
        assertEquals(Optional.empty(), slots.close(), "closed once");

        assertEquals(Reason.SHUT_DOWN, assertThrows(ModelUnavailableException.class, () -> slots.lease("a")).reason());
        assertEquals(Reason.SHUT_DOWN, assertThrows(ModelUnavailableException.class,
                () -> slots.reserve("a", MIB, 1000 * MIB)).reason());
        assertEquals(List.of(), slots.detachExpired(System.nanoTime()));
    }

    @Test
    void shouldCountEachPreloadedModelsFirstLoadOnceForReadiness() throws Exception {
        ModelSlots slots = slots("pre-a", "b");
        assertFalse(slots.awaitPreloads(Duration.ofMillis(10)));
        slots.loadEnded("b");
        assertFalse(slots.awaitPreloads(Duration.ofMillis(10)), "b is not preloaded");

        waiting(slots.claimLoad("pre-a"));
        slots.fail("pre-a", "no file");
        slots.loadEnded("pre-a");
        assertTrue(slots.awaitPreloads(Duration.ofMillis(10)), "its first load ended");
        assertFalse(slots.isReady(), "but it failed");
    }

    @Test
    void shouldRejectAnUnknownId() {
        ModelSlots slots = slots("a");
        assertThrows(IllegalArgumentException.class, () -> slots.lease("nope"));
        assertThrows(IllegalArgumentException.class, () -> slots.status("nope"));
        assertEquals(Optional.empty(), slots.loaded("nope"));
    }
}
