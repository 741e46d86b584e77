package io.edgenode.store.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Immutable, so shareable across threads: the key-value metadata of a GGUF file, in file order, with
 * typed getters.
 *
 * <p>Getters named {@code getX} return empty when the key is absent; {@code requireX} throw
 * {@link NoSuchElementException} naming the key. Both throw {@link IllegalStateException} naming the
 * key, its actual type and the expected one when the key holds an incompatible type. Integer getters
 * accept every integer type whose value fits, because converters disagree on widths (one writes
 * {@code context_length} as UINT32, another as INT32 or UINT64).
 */
public final class GgufMetadata {

    private final Map<String, GgufValue> values;
    private final Map<String, Long> keyOffsets;

    GgufMetadata(Map<String, GgufValue> values, Map<String, Long> keyOffsets) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.keyOffsets = Map.copyOf(keyOffsets);
    }

    /** Metadata built in memory, with no file offsets. */
    public static GgufMetadata of(Map<String, GgufValue> values) {
        return new GgufMetadata(values, Map.of());
    }

    /** Every entry, unmodifiable, iterating in file order. */
    public Map<String, GgufValue> asMap() {
        return values;
    }

    public int size() {
        return values.size();
    }

    public boolean contains(String key) {
        return values.containsKey(key);
    }

    public Optional<GgufValue> get(String key) {
        return Optional.ofNullable(values.get(Objects.requireNonNull(key, "key")));
    }

    /** File offset where the entry for {@code key} starts (its key length field), when read from a file. */
    public OptionalLong offsetOf(String key) {
        Long at = keyOffsets.get(key);
        return at == null ? OptionalLong.empty() : OptionalLong.of(at);
    }

    public Optional<String> getString(String key) {
        return get(key).map(v -> v instanceof GgufValue.Str s ? s.value() : wrongType(key, v, "STRING"));
    }

    /** An integer of any width whose value fits in an int. */
    public OptionalInt getInt(String key) {
        OptionalLong v = getLong(key);
        if (v.isEmpty()) {
            return OptionalInt.empty();
        }
        long l = v.getAsLong();
        if (l != (int) l) {
            throw new IllegalStateException("metadata key '" + key + "' = " + l + " does not fit in an int");
        }
        return OptionalInt.of((int) l);
    }

    /** An integer of any width whose value fits in a signed long. */
    public OptionalLong getLong(String key) {
        GgufValue v = values.get(Objects.requireNonNull(key, "key"));
        if (v == null) {
            return OptionalLong.empty();
        }
        if (!v.type().isInteger()) {
            return wrongType(key, v, "an integer");
        }
        OptionalLong l = v.integerValue();
        if (l.isEmpty()) {
            throw new IllegalStateException("metadata key '" + key + "' = " + v + " does not fit in a signed long");
        }
        return l;
    }

    /** FLOAT32, or FLOAT64 narrowed to float. */
    public Optional<Float> getFloat(String key) {
        return get(key).map(v -> switch (v) {
            case GgufValue.Float32 f -> f.value();
            case GgufValue.Float64 d -> (float) d.value();
            default -> wrongType(key, v, "FLOAT32 or FLOAT64");
        });
    }

    public Optional<Boolean> getBool(String key) {
        return get(key).map(v -> v instanceof GgufValue.Bool b ? b.value() : wrongType(key, v, "BOOL"));
    }

    public Optional<GgufArray> getArray(String key) {
        return get(key).map(v -> v instanceof GgufArray a ? a : wrongType(key, v, "ARRAY"));
    }

    public String requireString(String key) {
        return getString(key).orElseThrow(() -> missing(key));
    }

    public int requireInt(String key) {
        return getInt(key).orElseThrow(() -> missing(key));
    }

    public long requireLong(String key) {
        return getLong(key).orElseThrow(() -> missing(key));
    }

    public float requireFloat(String key) {
        return getFloat(key).orElseThrow(() -> missing(key));
    }

    public boolean requireBool(String key) {
        return getBool(key).orElseThrow(() -> missing(key));
    }

    public GgufArray requireArray(String key) {
        return getArray(key).orElseThrow(() -> missing(key));
    }

    private static NoSuchElementException missing(String key) {
        return new NoSuchElementException("missing metadata key '" + key + "'");
    }

    private static <T> T wrongType(String key, GgufValue v, String expected) {
        String actual = v instanceof GgufArray a ? "ARRAY of " + a.elementType() : v.type().toString();
        throw new IllegalStateException("metadata key '" + key + "' is " + actual + ", expected " + expected);
    }

    @Override
    public String toString() {
        return "GgufMetadata" + values.keySet();
    }
}
