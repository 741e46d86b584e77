package io.edgenode.server.jobs;

import java.util.Optional;

/** What a schedule does with due times that passed while the node was down. */
public enum MissedPolicy {
    /** Fire once at start-up (however many dues were missed), then continue from then. */
    RUN_ONCE("run_once"),
    /** Record the missed due as SKIPPED and wait for the next due after start-up. */
    SKIP("skip");

    private final String wireName;

    MissedPolicy(String wireName) {
        this.wireName = wireName;
    }

    /** The name in requests and in the store: {@code run_once}, {@code skip}. */
    public String wireName() {
        return wireName;
    }

    public static Optional<MissedPolicy> fromWireName(String name) {
        for (MissedPolicy p : values()) {
            if (p.wireName.equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
