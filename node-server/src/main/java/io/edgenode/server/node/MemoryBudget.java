package io.edgenode.server.node;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * The memory-budget policy, pure: given what is resident and what a model needs, which idle models
 * to evict (least recently used first), or why it cannot fit. No I/O, no threads; the registry
 * applies the plan under its lock.
 */
final class MemoryBudget {
    private MemoryBudget() {}

    /**
     * A model holding (or about to hold) memory.
     *
     * @param evictable idle (no running or queued generation), loaded, and not preloaded
     * @param lastUsedNanos when a request last used it ({@link System#nanoTime})
     */
    record Resident(String id, long bytes, boolean evictable, long lastUsedNanos) {
        Resident {
            Objects.requireNonNull(id, "id");
        }
    }

    /** The outcome: evict these ids and load, or refuse with a message that gives the numbers. */
    sealed interface Plan permits Fits, Refused {}

    record Fits(List<String> evict) implements Plan {
        Fits {
            evict = List.copyOf(evict);
        }
    }

    record Refused(String message) implements Plan {}

    static Plan plan(String id, long needed, long budget, List<Resident> residents) {
        long used = residents.stream().mapToLong(Resident::bytes).sum();
        if (needed > budget) {
            return new Refused(refusal(id, needed, budget, used, residents, "more than the whole budget"));
        }
        List<Resident> idle = new ArrayList<>(residents.stream().filter(Resident::evictable).toList());
        idle.sort(Comparator.comparingLong(Resident::lastUsedNanos));
        List<String> evict = new ArrayList<>();
        long free = budget - used;
        for (int i = 0; free < needed && i < idle.size(); i++) {
            evict.add(idle.get(i).id());
            free += idle.get(i).bytes();
        }
        if (free < needed) {
            return new Refused(refusal(id, needed, budget, used, residents,
                    "the models in use are busy or preloaded, so none can be evicted"));
        }
        return new Fits(evict);
    }

    private static String refusal(String id, long needed, long budget, long used, List<Resident> residents,
            String why) {
        StringJoiner in = new StringJoiner(", ");
        for (Resident r : residents) {
            in.add(r.id() + " " + ModelMemory.mib(r.bytes()) + " MiB" + (r.evictable() ? "" : " (busy or preloaded)"));
        }
        return "model " + id + " needs " + ModelMemory.mib(needed) + " MiB but the memory budget is "
                + ModelMemory.mib(budget) + " MiB with " + ModelMemory.mib(used) + " MiB in use by "
                + (residents.isEmpty() ? "no model" : in.toString()) + " (" + why + ")";
    }
}
