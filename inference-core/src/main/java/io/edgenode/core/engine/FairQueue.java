package io.edgenode.core.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * Waiting sequences, served round-robin across tenants, then by priority (higher first), then
 * by arrival. A tenant with 100 queued requests and a tenant with one take turns, so the one is
 * served within one round. Preempted sequences go back first in line. Confined to the engine
 * thread; pure data structure (no I/O, no native calls).
 */
final class FairQueue {
    private static final Comparator<Sequence> ORDER =
            Comparator.comparingInt(Sequence::priority).reversed().thenComparingLong(s -> s.arrival);

    private final Map<String, PriorityQueue<Sequence>> byTenant = new LinkedHashMap<>();
    private final ArrayDeque<String> turn = new ArrayDeque<>();
    private final ArrayDeque<Sequence> preempted = new ArrayDeque<>();
    private int size;

    void add(Sequence s) {
        PriorityQueue<Sequence> q = byTenant.get(s.tenant());
        if (q == null) {
            q = new PriorityQueue<>(ORDER);
            byTenant.put(s.tenant(), q);
            turn.addLast(s.tenant());
        }
        q.add(s);
        size++;
    }

    /** A preempted sequence resumes before anything that waited less. */
    void addFirst(Sequence s) {
        preempted.addFirst(s);
        size++;
    }

    /** The next sequence to admit, or null. Moves its tenant to the back of the turn order. */
    Sequence poll() {
        if (!preempted.isEmpty()) {
            size--;
            return preempted.pollFirst();
        }
        String tenant = turn.pollFirst();
        if (tenant == null) {
            return null;
        }
        PriorityQueue<Sequence> q = byTenant.get(tenant);
        Sequence s = q.poll();
        size--;
        if (q.isEmpty()) {
            byTenant.remove(tenant);
        } else {
            turn.addLast(tenant);
        }
        return s;
    }

    /** The sequence {@link #poll} would return, left in place; null when empty. */
    Sequence peek() {
        if (!preempted.isEmpty()) {
            return preempted.peekFirst();
        }
        String tenant = turn.peekFirst();
        return tenant == null ? null : byTenant.get(tenant).peek();
    }

    /** Removes and returns every sequence matching {@code filter} (cancelled while waiting). */
    List<Sequence> removeIf(Predicate<Sequence> filter) {
        List<Sequence> removed = new ArrayList<>();
        for (Iterator<Sequence> it = preempted.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (filter.test(s)) {
                it.remove();
                removed.add(s);
            }
        }
        for (Iterator<Map.Entry<String, PriorityQueue<Sequence>>> it = byTenant.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, PriorityQueue<Sequence>> e = it.next();
            for (Iterator<Sequence> q = e.getValue().iterator(); q.hasNext(); ) {
                Sequence s = q.next();
                if (filter.test(s)) {
                    q.remove();
                    removed.add(s);
                }
            }
            if (e.getValue().isEmpty()) {
                it.remove();
                turn.remove(e.getKey());
            }
        }
        size -= removed.size();
        return removed;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }
}
