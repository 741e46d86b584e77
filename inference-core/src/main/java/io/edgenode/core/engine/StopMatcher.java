package io.edgenode.core.engine;

import java.util.List;

/**
 * Finds stop strings in a generated stream that arrives in pieces. Confined to the engine thread.
 * Text that could still be the start of a stop string is held back, so a stop string split
 * across tokens ("<|e" + "nd|>") is never emitted, in part or whole, and text before it is.
 */
final class StopMatcher {
    private final List<String> stops;
    private final int longest;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;
    private String matched;

    StopMatcher(List<String> stops) {
        this.stops = stops;
        this.longest = stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /** Appends {@code text}; returns what can be emitted now. After a stop, {@link #stopped()} is true. */
    String append(String text) {
        if (stopped) {
            return "";
        }
        if (stops.isEmpty()) {
            return text;
        }
        pending.append(text);
        int cut = firstStop();
        if (cut >= 0) {
            stopped = true;
            String out = pending.substring(0, cut);
            pending.setLength(0);
            return out;
        }
        int keep = heldBackLength();
        String out = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return out;
    }

    /** The held-back tail when the stream ends without a stop. */
    String flush() {
        String out = stopped ? "" : pending.toString();
        pending.setLength(0);
        return out;
    }

    boolean stopped() {
        return stopped;
    }

    /** The stop string that ended the stream (the earliest in the text), or null. */
    String matched() {
        return matched;
    }

    /** Earliest index where any stop string starts in the pending text, or -1. */
    private int firstStop() {
        int best = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
                matched = s;
            }
        }
        return best;
    }

    /** Length of the longest suffix of the pending text that is a proper prefix of a stop string. */
    private int heldBackLength() {
        int max = Math.min(longest - 1, pending.length());
        for (int len = max; len > 0; len--) {
            int from = pending.length() - len;
            for (String s : stops) {
                if (s.length() > len && regionMatches(from, s, len)) {
                    return len;
                }
            }
        }
        return 0;
    }

    private boolean regionMatches(int from, String s, int len) {
        for (int i = 0; i < len; i++) {
            if (pending.charAt(from + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
