package io.edgenode.server.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * The API key format {@code en_<id>_<secret>}: id is 10 lowercase base32 characters (the public,
 * readable part), secret the unpadded base64url of 32 random bytes. Stateless apart from its
 * {@link SecureRandom}, which is thread-safe; one instance may serve every thread.
 */
public final class KeySecrets {
    public static final String PREFIX = "en_";
    static final int ID_LENGTH = 10;
    static final int SECRET_BYTES = 32;
    /** Unpadded base64 of 32 bytes. */
    static final int SECRET_LENGTH = 43;
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private final SecureRandom random;

    public KeySecrets() {
        this(new SecureRandom());
    }

    public KeySecrets(SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    /** A fresh key; {@code secret} is the whole {@code en_...} string, shown once. */
    public record NewKey(String id, String secret) {}

    public NewKey generate() {
        char[] id = new char[ID_LENGTH];
        for (int i = 0; i < id.length; i++) {
            id[i] = BASE32[random.nextInt(BASE32.length)];
        }
        return withId(new String(id));
    }

    /** A new secret for an existing id (rotation keeps the id: it is the tenant). */
    public NewKey withId(String id) {
        byte[] bytes = new byte[SECRET_BYTES];
        random.nextBytes(bytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        return new NewKey(id, PREFIX + id + "_" + secret);
    }

    /** The id of {@code bearer} only if it has exactly the key format; no database is consulted. */
    public static Optional<String> parse(String bearer) {
        if (bearer == null || bearer.length() != PREFIX.length() + ID_LENGTH + 1 + SECRET_LENGTH
                || !bearer.startsWith(PREFIX) || bearer.charAt(PREFIX.length() + ID_LENGTH) != '_') {
            return Optional.empty();
        }
        for (int i = PREFIX.length(); i < PREFIX.length() + ID_LENGTH; i++) {
            char c = bearer.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'))) {
                return Optional.empty();
            }
        }
        for (int i = PREFIX.length() + ID_LENGTH + 1; i < bearer.length(); i++) {
            char c = bearer.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                return Optional.empty();
            }
        }
        // 43 base64 chars carry 258 bits: the last char's low 2 bits must be 0 for a canonical encoding
        char last = bearer.charAt(bearer.length() - 1);
        if ("AEIMQUYcgkosw048".indexOf(last) < 0) {
            return Optional.empty();
        }
        return Optional.of(bearer.substring(PREFIX.length(), PREFIX.length() + ID_LENGTH));
    }

    /** SHA-256 of the whole key: what the database stores. */
    public static byte[] hash(String wholeKey) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(wholeKey.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Constant-time comparison of a presented key with a stored hash. */
    public static boolean matches(String wholeKey, byte[] storedHash) {
        return MessageDigest.isEqual(hash(wholeKey), storedHash);
    }

    /** What lists show instead of the secret. */
    public static String displayPrefix(String id) {
        return PREFIX + id + "_";
    }
}
