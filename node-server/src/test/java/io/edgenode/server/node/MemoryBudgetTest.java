package io.edgenode.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgenode.server.node.MemoryBudget.Fits;
import io.edgenode.server.node.MemoryBudget.Refused;
import io.edgenode.server.node.MemoryBudget.Resident;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The budget policy alone: which idle models make room, least recently used first, and what a refusal says. */
class MemoryBudgetTest {
    static final long MIB = 1 << 20;

    @Test
    void shouldLoadWithoutEvictingWhenThereIsRoom() {
        var plan = MemoryBudget.plan("new", 100 * MIB, 1000 * MIB, List.of(new Resident("a", 500 * MIB, true, 1)));
        assertEquals(new Fits(List.of()), plan);
    }

    @Test
    void shouldEvictTheLeastRecentlyUsedIdleModelsUntilItFits() {
        var plan = MemoryBudget.plan("new", 500 * MIB, 1000 * MIB, List.of(
                new Resident("recent", 300 * MIB, true, 30),
                new Resident("busy", 300 * MIB, false, 10),
                new Resident("old", 300 * MIB, true, 20)));
        assertEquals(new Fits(List.of("old", "recent")), plan);
    }

    @Test
    void shouldRefuseWithTheNumbersWhenOnlyBusyOrPreloadedModelsHoldTheMemory() {
        var plan = MemoryBudget.plan("new", 600 * MIB, 1000 * MIB, List.of(
                new Resident("busy", 500 * MIB, false, 10),
                new Resident("idle", 100 * MIB, true, 20)));
        assertEquals(new Refused("model new needs 600 MiB but the memory budget is 1000 MiB with 600 MiB in use by"
                + " busy 500 MiB (busy or preloaded), idle 100 MiB (the models in use are busy or preloaded, so none"
                + " can be evicted)"), plan);
    }

    @Test
    void shouldRefuseAModelLargerThanTheWholeBudget() {
        var plan = MemoryBudget.plan("huge", 2000 * MIB, 1000 * MIB, List.of());
        assertEquals(new Refused("model huge needs 2000 MiB but the memory budget is 1000 MiB with 0 MiB in use by"
                + " no model (more than the whole budget)"), plan);
    }
}
