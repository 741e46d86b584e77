package io.edgenode.server.gateway;

/**
 * Confined to one thread (one scan at a time): the text a guardrail pattern is matched against,
 * which counts the characters the regex engine reads and stops the scan past a budget.
 *
 * <p>Why: operators write the patterns, but clients supply the text, and a Java regular
 * expression can backtrack exponentially on a crafted input ({@code (a+)+$} on {@code aaaa...b}).
 * {@code java.util.regex} has no step limit, but it reads its input through
 * {@link CharSequence#charAt}, so counting those reads bounds the work of one scan to about
 * {@link #STEPS_PER_CHAR} reads a character (at least {@link #MIN_STEPS}). A scan that runs out
 * throws {@link Exhausted}; the guardrail counts that as a match (fails closed), so crafted text
 * cannot slip past a rule by making it slow.
 */
final class BoundedText implements CharSequence {
    static final long STEPS_PER_CHAR = 256;
    static final long MIN_STEPS = 100_000;

    /** The scan's budget ran out; one shared instance without a stack trace (it is control flow). */
    static final class Exhausted extends RuntimeException {
        static final Exhausted INSTANCE = new Exhausted();

        private Exhausted() {
            super("pattern scan budget exhausted", null, false, false);
        }
    }

    private CharSequence text = "";
    private long left;

    /** Scans {@code text} next, with a fresh budget for its length. */
    BoundedText reset(CharSequence text) {
        this.text = text;
        this.left = Math.max(MIN_STEPS, STEPS_PER_CHAR * text.length());
        return this;
    }

    @Override
    public int length() {
        return text.length();
    }

    @Override
    public char charAt(int index) {
        if (--left < 0) {
            throw Exhausted.INSTANCE;
        }
        return text.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
        return text.subSequence(start, end);
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
