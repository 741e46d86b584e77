package io.edgenode.server.gateway;

import java.security.SecureRandom;
import java.util.regex.Pattern;

/**
 * {@code x-request-id}: the client's, when it is a sane token (a proxy's or an SDK's id, so logs
 * join up across hops), else a new one. Stateless; thread-safe.
 */
public final class RequestIds {
    public static final String HEADER = "x-request-id";
    /** What an accepted id may look like: no spaces or control characters (it goes into logs and headers). */
    private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:@/+=-]{1,128}");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private RequestIds() {}

    /** The id to use for a request whose header was {@code given} (null when absent). */
    public static String accept(String given) {
        return given != null && ACCEPTED.matcher(given).matches() ? given : generate();
    }

    public static String generate() {
        char[] c = new char[20];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
        }
        return "req_" + new String(c);
    }
}
