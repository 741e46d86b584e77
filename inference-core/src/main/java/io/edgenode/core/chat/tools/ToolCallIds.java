package io.edgenode.core.chat.tools;

import java.security.SecureRandom;
import java.util.function.Supplier;

/**
 * Generators of tool call ids (what a {@code tool} message later quotes back). Each returned
 * supplier is for one parser, confined to its thread.
 */
public final class ToolCallIds {

    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private ToolCallIds() {}

    /** {@code call_} and 24 random alphanumerics, OpenAI-like. */
    public static Supplier<String> random() {
        SecureRandom random = new SecureRandom();
        return () -> "call_" + alphanumeric(random, 24);
    }

    /** Nine random alphanumerics: Mistral's templates refuse any other id in the history. */
    public static Supplier<String> randomNine() {
        SecureRandom random = new SecureRandom();
        return () -> alphanumeric(random, 9);
    }

    /** {@code prefix0}, {@code prefix1}, ...: deterministic, for tests. */
    public static Supplier<String> counting(String prefix) {
        int[] next = {0};
        return () -> prefix + next[0]++;
    }

    private static String alphanumeric(SecureRandom random, int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = ALPHANUMERIC.charAt(random.nextInt(ALPHANUMERIC.length()));
        }
        return new String(chars);
    }
}
