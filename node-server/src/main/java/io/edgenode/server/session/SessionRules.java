package io.edgenode.server.session;

import java.security.SecureRandom;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a valid session id and metadata map look like, and how generated ids are made. The metadata limits are
 * OpenAI's: at most 16 keys, keys up to 64 characters, values up to 512. Stateless; any thread.
 */
public final class SessionRules {
    public static final int MAX_ID_LENGTH = 128;
    public static final int MAX_METADATA_KEYS = 16;
    public static final int MAX_METADATA_KEY_LENGTH = 64;
    public static final int MAX_METADATA_VALUE_LENGTH = 512;
    static final String GENERATED_PREFIX = "sess_";
    static final int GENERATED_RANDOM_CHARS = 24;

    /** Ids travel in URL paths and log lines: a small alphabet keeps them safe in both without escaping. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_ID_LENGTH + "}");
    private static final char[] ALPHANUMERIC =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private SessionRules() {}

    /** Throws IllegalArgumentException, with a message fit for an API client, unless {@code id} is a valid id. */
    public static void validateId(String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("session id must not be empty");
        }
        if (id.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException(
                    "session id is " + id.length() + " characters long; at most " + MAX_ID_LENGTH + " are allowed");
        }
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException(
                    "session id '" + id + "' may only contain letters, digits and the characters . _ : -");
        }
    }

    /** Whether {@code id} is a valid session id (for lookups, where an invalid id simply does not exist). */
    public static boolean isValidId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** Throws IllegalArgumentException, with a message fit for an API client, unless the map is within the limits. */
    public static void validateMetadata(Map<String, String> metadata) {
        if (metadata.size() > MAX_METADATA_KEYS) {
            throw new IllegalArgumentException("metadata has " + metadata.size() + " keys; at most "
                    + MAX_METADATA_KEYS + " are allowed");
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            String key = e.getKey();
            if (key.isEmpty()) {
                throw new IllegalArgumentException("metadata keys must not be empty");
            }
            if (key.length() > MAX_METADATA_KEY_LENGTH) {
                throw new IllegalArgumentException("metadata key '" + key.substring(0, 16) + "...' is "
                        + key.length() + " characters long; at most " + MAX_METADATA_KEY_LENGTH + " are allowed");
            }
            if (e.getValue().length() > MAX_METADATA_VALUE_LENGTH) {
                throw new IllegalArgumentException("metadata value of key '" + key + "' is " + e.getValue().length()
                        + " characters long; at most " + MAX_METADATA_VALUE_LENGTH + " are allowed");
            }
        }
    }

    /** A new id: "sess_" + 24 random alphanumerics (about 143 bits, so collisions are not a concern). */
    public static String newId() {
        char[] out = new char[GENERATED_RANDOM_CHARS];
        for (int i = 0; i < out.length; i++) {
            out[i] = ALPHANUMERIC[RANDOM.nextInt(ALPHANUMERIC.length)];
        }
        return GENERATED_PREFIX + new String(out);
    }

    /** An unmodifiable copy that keeps the given order; null keys or values are refused with a clear message. */
    static Map<String, String> copyMetadata(Map<String, String> metadata) {
        if (metadata == null) {
            throw new IllegalArgumentException("metadata must not be null");
        }
        LinkedHashMap<String, String> copy = LinkedHashMap.newLinkedHashMap(metadata.size());
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null) {
                throw new IllegalArgumentException("metadata keys must not be null");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("metadata value of key '" + e.getKey() + "' must be a string, not null");
            }
            copy.put(e.getKey(), e.getValue());
        }
        return Collections.unmodifiableMap(copy);
    }
}
