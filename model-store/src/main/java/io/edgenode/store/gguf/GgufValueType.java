package io.edgenode.store.gguf;

import java.util.Optional;

/**
 * The metadata value types of the GGUF format ({@code gguf_type} in gguf.h), with their on-disk ids.
 * Every value is little-endian; {@code BOOL} is one byte; {@code STRING} is a uint64 byte length
 * followed by UTF-8 bytes without terminator; {@code ARRAY} is an element type (int32), a uint64
 * element count, then the elements.
 */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, 0),
    ARRAY(9, 0),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    private final int id;
    private final int fixedSize;

    GgufValueType(int id, int fixedSize) {
        this.id = id;
        this.fixedSize = fixedSize;
    }

    /** The id stored in the file. */
    public int id() {
        return id;
    }

    /** Encoded size in bytes for fixed-size types; 0 for {@code STRING} and {@code ARRAY}. */
    public int fixedSize() {
        return fixedSize;
    }

    /**
     * The fewest bytes one value of this type occupies on disk: a string needs at least its 8-byte
     * length, an array its 4-byte element type and 8-byte count. Readers multiply a claimed element
     * count by this before allocating anything, so a lying count fails instead of exhausting memory.
     */
    public int minEncodedSize() {
        return switch (this) {
            case STRING -> 8;
            case ARRAY -> 12;
            default -> fixedSize;
        };
    }

    /** True for the eight integer types (signed and unsigned, 8 to 64 bits). */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** The type with this on-disk id, or empty for an id outside 0..12. */
    public static Optional<GgufValueType> byId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.of(BY_ID[id]) : Optional.empty();
    }
}
