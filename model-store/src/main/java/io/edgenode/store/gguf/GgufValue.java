package io.edgenode.store.gguf;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One typed GGUF metadata value. Immutable, so values cross threads freely.
 *
 * <p>Each of the 13 {@link GgufValueType}s has one implementation. Unsigned types hold their value in
 * the next wider Java type ({@code UINT8} and {@code UINT16} in an {@code int}, {@code UINT32} in a
 * {@code long}), range-checked; {@code UINT64} keeps the raw 64 bits in a {@code long}, so values of
 * 2^63 and above read as negative (use {@link Long#toUnsignedString(long)} to print them). Arrays are
 * {@link GgufArray}s, backed by primitive arrays so that a 128k-token vocabulary costs what its
 * strings cost and no more.
 */
public sealed interface GgufValue
        permits GgufValue.UInt8, GgufValue.Int8, GgufValue.UInt16, GgufValue.Int16, GgufValue.UInt32,
                GgufValue.Int32, GgufValue.Float32, GgufValue.Bool, GgufValue.Str, GgufValue.UInt64,
                GgufValue.Int64, GgufValue.Float64, GgufArray {

    /** The type tag written to the file for this value. */
    GgufValueType type();

    /**
     * The value as a signed long, for the integer types; empty for the others and for a
     * {@code UINT64} of 2^63 or more, which a long cannot hold.
     */
    default OptionalLong integerValue() {
        return switch (this) {
            case UInt8 v -> OptionalLong.of(v.value());
            case Int8 v -> OptionalLong.of(v.value());
            case UInt16 v -> OptionalLong.of(v.value());
            case Int16 v -> OptionalLong.of(v.value());
            case UInt32 v -> OptionalLong.of(v.value());
            case Int32 v -> OptionalLong.of(v.value());
            case UInt64 v -> v.value() >= 0 ? OptionalLong.of(v.value()) : OptionalLong.empty();
            case Int64 v -> OptionalLong.of(v.value());
            default -> OptionalLong.empty();
        };
    }

    record UInt8(int value) implements GgufValue {
        public UInt8 {
            checkRange(value, 0, 0xFF, "UINT8");
        }

        @Override
        public GgufValueType type() {
            return GgufValueType.UINT8;
        }
    }

    record Int8(byte value) implements GgufValue {
        @Override
        public GgufValueType type() {
            return GgufValueType.INT8;
        }
    }

    record UInt16(int value) implements GgufValue {
        public UInt16 {
            checkRange(value, 0, 0xFFFF, "UINT16");
        }

        @Override
        public GgufValueType type() {
            return GgufValueType.UINT16;
        }
    }

    record Int16(short value) implements GgufValue {
        @Override
        public GgufValueType type() {
            return GgufValueType.INT16;
        }
    }

    record UInt32(long value) implements GgufValue {
        public UInt32 {
            checkRange(value, 0, 0xFFFF_FFFFL, "UINT32");
        }

        @Override
        public GgufValueType type() {
            return GgufValueType.UINT32;
        }
    }

    record Int32(int value) implements GgufValue {
        @Override
        public GgufValueType type() {
            return GgufValueType.INT32;
        }
    }

    record Float32(float value) implements GgufValue {
        @Override
        public GgufValueType type() {
            return GgufValueType.FLOAT32;
        }
    }

    record Bool(boolean value) implements GgufValue {
        @Override
        public GgufValueType type() {
            return GgufValueType.BOOL;
        }
    }

    record Str(String value) implements GgufValue {
        public Str {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public GgufValueType type() {
            return GgufValueType.STRING;
        }
    }

    /** Raw 64 bits of an unsigned value; see the interface javadoc for values of 2^63 and above. */
    record UInt64(long value) implements GgufValue {
        @Override
        public GgufValueType type() {
            return GgufValueType.UINT64;
        }
    }

    record Int64(long value) implements GgufValue {
        @Override
        public GgufValueType type() {
            return GgufValueType.INT64;
        }
    }

    record Float64(double value) implements GgufValue {
        @Override
        public GgufValueType type() {
            return GgufValueType.FLOAT64;
        }
    }

    static UInt8 u8(int value) {
        return new UInt8(value);
    }

    static Int8 i8(int value) {
        checkRange(value, Byte.MIN_VALUE, Byte.MAX_VALUE, "INT8");
        return new Int8((byte) value);
    }

    static UInt16 u16(int value) {
        return new UInt16(value);
    }

    static Int16 i16(int value) {
        checkRange(value, Short.MIN_VALUE, Short.MAX_VALUE, "INT16");
        return new Int16((short) value);
    }

    static UInt32 u32(long value) {
        return new UInt32(value);
    }

    static Int32 i32(int value) {
        return new Int32(value);
    }

    static Float32 f32(float value) {
        return new Float32(value);
    }

    static Bool bool(boolean value) {
        return new Bool(value);
    }

    static Str string(String value) {
        return new Str(value);
    }

    static UInt64 u64(long rawBits) {
        return new UInt64(rawBits);
    }

    static Int64 i64(long value) {
        return new Int64(value);
    }

    static Float64 f64(double value) {
        return new Float64(value);
    }

    /** An array of {@code elementType}; every element must have exactly that type. */
    static GgufArray array(GgufValueType elementType, List<? extends GgufValue> elements) {
        return GgufArray.of(elementType, elements);
    }

    private static void checkRange(long value, long min, long max, String type) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(value + " is outside the " + type + " range [" + min + ", " + max + "]");
        }
    }
}
