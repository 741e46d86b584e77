package io.edgenode.store.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor info entry of a GGUF file: name, shape, element type and the offset of its data from the
 * start of the data section. Immutable.
 *
 * <p>Dimensions follow ggml's order: {@code dims[0]} ({@code ne[0]}) is the innermost, contiguous
 * dimension, the length of one row; a 2-D weight {@code {n_embd, n_vocab}} has {@code n_vocab} rows of
 * {@code n_embd} elements. Missing trailing dimensions count as 1, as in ggml.
 *
 * @param name   tensor name, at most {@value #MAX_NAME_BYTES} UTF-8 bytes
 * @param dims   0 to {@value #MAX_DIMS} non-negative extents, innermost first
 * @param type   element type; {@code dims[0]} is a whole number of its blocks
 * @param offset byte offset from the start of the data section
 */
public record GgufTensorInfo(String name, long[] dims, GgmlType type, long offset) {

    /** GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;

    /**
     * Longest name llama.cpp accepts: ggml stores names in a 64-byte buffer including the terminating
     * NUL, and gguf.cpp rejects anything that would not fit.
     */
    public static final int MAX_NAME_BYTES = 63;

    public GgufTensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        dims = dims.clone();
        if (dims.length > MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + dims.length + " dimensions, at most " + MAX_DIMS + " allowed");
        }
        long elements = 1;
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension: " + Arrays.toString(dims));
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("tensor '" + name + "' has a negative offset " + offset);
        }
        // Throws when ne[0] is not a whole number of blocks or the byte size overflows.
        long ne0 = dims.length == 0 ? 1 : dims[0];
        long rowBytes = type.rowBytes(ne0);
        if (elements > 0) {
            Math.multiplyExact(rowBytes, elements / ne0);
        }
    }

    /** A copy of the extents, innermost first. */
    @Override
    public long[] dims() {
        return dims.clone();
    }

    public int nDims() {
        return dims.length;
    }

    /** Extent of dimension {@code i} (0..3); 1 beyond {@link #nDims()}. */
    public long dim(int i) {
        Objects.checkIndex(i, MAX_DIMS);
        return i < dims.length ? dims[i] : 1;
    }

    /** Number of elements (product of the extents; 1 for a 0-D tensor). */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            n *= d; // cannot overflow: checked at construction
        }
        return n;
    }

    /** Bytes of data: whole rows of {@code dims[0]} elements. */
    public long byteSize() {
        long n = elementCount();
        if (n == 0) {
            return 0;
        }
        long ne0 = dims.length == 0 ? 1 : dims[0];
        return type.rowBytes(ne0) * (n / ne0); // cannot overflow: checked at construction
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t
                && t.name.equals(name)
                && Arrays.equals(t.dims, dims)
                && t.type == type
                && t.offset == offset;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(dims), type, offset);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(dims) + " @" + offset;
    }
}
