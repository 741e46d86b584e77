package io.edgenode.store.gguf;

import java.util.Optional;

/**
 * The tensor element types of ggml ({@code ggml_type} in ggml.h) that a GGUF file may use, with their
 * on-disk ids and storage layout: elements are stored in blocks of {@link #blockSize()} elements,
 * each block {@link #typeSize()} bytes. Ids that ggml retired (4, 5, 31..33, 36..38) are absent, so a
 * file using them is rejected like any unknown id.
 *
 * <p>Block and type sizes are those of the pinned llama.cpp release (its {@code type_traits} table
 * and the block structs in ggml-common.h); a test pins every one of them.
 */
public enum GgmlType {
    F32(0, 1, 4, "f32"),
    F16(1, 1, 2, "f16"),
    Q4_0(2, 32, 18, "q4_0"),
    Q4_1(3, 32, 20, "q4_1"),
    Q5_0(6, 32, 22, "q5_0"),
    Q5_1(7, 32, 24, "q5_1"),
    Q8_0(8, 32, 34, "q8_0"),
    Q8_1(9, 32, 36, "q8_1"),
    Q2_K(10, 256, 84, "q2_K"),
    Q3_K(11, 256, 110, "q3_K"),
    Q4_K(12, 256, 144, "q4_K"),
    Q5_K(13, 256, 176, "q5_K"),
    Q6_K(14, 256, 210, "q6_K"),
    Q8_K(15, 256, 292, "q8_K"),
    IQ2_XXS(16, 256, 66, "iq2_xxs"),
    IQ2_XS(17, 256, 74, "iq2_xs"),
    IQ3_XXS(18, 256, 98, "iq3_xxs"),
    IQ1_S(19, 256, 50, "iq1_s"),
    IQ4_NL(20, 32, 18, "iq4_nl"),
    IQ3_S(21, 256, 110, "iq3_s"),
    IQ2_S(22, 256, 82, "iq2_s"),
    IQ4_XS(23, 256, 136, "iq4_xs"),
    I8(24, 1, 1, "i8"),
    I16(25, 1, 2, "i16"),
    I32(26, 1, 4, "i32"),
    I64(27, 1, 8, "i64"),
    F64(28, 1, 8, "f64"),
    IQ1_M(29, 256, 56, "iq1_m"),
    BF16(30, 1, 2, "bf16"),
    TQ1_0(34, 256, 54, "tq1_0"),
    TQ2_0(35, 256, 66, "tq2_0"),
    MXFP4(39, 32, 17, "mxfp4"),
    NVFP4(40, 64, 36, "nvfp4"),
    Q1_0(41, 128, 18, "q1_0"),
    Q2_0(42, 64, 18, "q2_0");

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;
    private final String ggmlName;

    GgmlType(int id, int blockSize, int typeSize, String ggmlName) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
        this.ggmlName = ggmlName;
    }

    /** The id stored in a GGUF tensor info. */
    public int id() {
        return id;
    }

    /** Elements per block (1 for plain types, 32 for Q8_0, 256 for K-quants...). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    /** The name ggml prints for this type ({@code "q4_K"}, {@code "f16"}...). */
    public String ggmlName() {
        return ggmlName;
    }

    /** True for block-quantized types (every type whose block holds more than one element). */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /**
     * Bytes taken by {@code nElements} consecutive elements, normally one row ({@code ne[0]}).
     *
     * @throws IllegalArgumentException if {@code nElements} is negative or not a whole number of blocks
     * @throws ArithmeticException if the size does not fit in a long
     */
    public long rowBytes(long nElements) {
        if (nElements < 0 || nElements % blockSize != 0) {
            throw new IllegalArgumentException(
                    nElements + " elements of " + name() + " is not a whole number of " + blockSize + "-element blocks");
        }
        return Math.multiplyExact(nElements / blockSize, (long) typeSize);
    }

    /** The type with this on-disk id, or empty for ids ggml does not define (or has retired). */
    public static Optional<GgmlType> byId(int id) {
        return id >= 0 && id < BY_ID.length ? Optional.ofNullable(BY_ID[id]) : Optional.empty();
    }
}
