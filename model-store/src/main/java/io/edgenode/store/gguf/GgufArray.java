package io.edgenode.store.gguf;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Immutable, so shareable across threads: a GGUF array value, an element type and its elements
 * (possibly arrays themselves).
 *
 * <p>Elements live in one primitive array chosen by element type ({@code byte[]} for UINT8/INT8,
 * {@code short[]} for UINT16/INT16, {@code int[]} for UINT32/INT32, {@code float[]},
 * {@code boolean[]}, {@code long[]} for UINT64/INT64, {@code double[]}, {@code String[]},
 * {@code GgufArray[]} for nested arrays), not in one object per element: tokenizer tables hold
 * hundreds of thousands of entries. {@link #get(int)} and {@link #elements()} box on demand;
 * {@link #strings()}, {@link #toLongArray()}, {@link #toIntArray()} and {@link #toFloatArray()} give
 * bulk access. Unsigned UINT8/UINT16/UINT32 elements are stored as their bit patterns and widened
 * without sign when read back.
 */
public final class GgufArray implements GgufValue {

    private final GgufValueType elementType;
    private final Object values;
    private final int size;

    private GgufArray(GgufValueType elementType, Object values, int size) {
        this.elementType = elementType;
        this.values = values;
        this.size = size;
    }

    /**
     * Wraps storage the reader filled; the caller hands over ownership of {@code values}, which must be
     * the storage class the element type maps to.
     */
    static GgufArray wrap(GgufValueType elementType, Object values, int size) {
        return new GgufArray(elementType, values, size);
    }

    public static GgufArray ofUInt8(byte[] bits) {
        return new GgufArray(GgufValueType.UINT8, bits.clone(), bits.length);
    }

    public static GgufArray ofInt8(byte[] values) {
        return new GgufArray(GgufValueType.INT8, values.clone(), values.length);
    }

    public static GgufArray ofUInt16(short[] bits) {
        return new GgufArray(GgufValueType.UINT16, bits.clone(), bits.length);
    }

    public static GgufArray ofInt16(short[] values) {
        return new GgufArray(GgufValueType.INT16, values.clone(), values.length);
    }

    public static GgufArray ofUInt32(int[] bits) {
        return new GgufArray(GgufValueType.UINT32, bits.clone(), bits.length);
    }

    public static GgufArray ofInt32(int[] values) {
        return new GgufArray(GgufValueType.INT32, values.clone(), values.length);
    }

    public static GgufArray ofFloat32(float[] values) {
        return new GgufArray(GgufValueType.FLOAT32, values.clone(), values.length);
    }

    public static GgufArray ofBool(boolean[] values) {
        return new GgufArray(GgufValueType.BOOL, values.clone(), values.length);
    }

    public static GgufArray ofStrings(List<String> values) {
        String[] copy = values.toArray(String[]::new);
        for (String s : copy) {
            Objects.requireNonNull(s, "string element");
        }
        return new GgufArray(GgufValueType.STRING, copy, copy.length);
    }

    public static GgufArray ofUInt64(long[] bits) {
        return new GgufArray(GgufValueType.UINT64, bits.clone(), bits.length);
    }

    public static GgufArray ofInt64(long[] values) {
        return new GgufArray(GgufValueType.INT64, values.clone(), values.length);
    }

    public static GgufArray ofFloat64(double[] values) {
        return new GgufArray(GgufValueType.FLOAT64, values.clone(), values.length);
    }

    /** An array of arrays; the inner arrays may differ in element type and length, as GGUF allows. */
    public static GgufArray ofArrays(List<GgufArray> values) {
        GgufArray[] copy = values.toArray(GgufArray[]::new);
        for (GgufArray a : copy) {
            Objects.requireNonNull(a, "array element");
        }
        return new GgufArray(GgufValueType.ARRAY, copy, copy.length);
    }

    /** An array of {@code elementType} from boxed values; every element must have exactly that type. */
    public static GgufArray of(GgufValueType elementType, List<? extends GgufValue> elements) {
        Objects.requireNonNull(elementType, "elementType");
        int n = elements.size();
        for (int i = 0; i < n; i++) {
            GgufValue v = Objects.requireNonNull(elements.get(i), "element");
            if (v.type() != elementType) {
                throw new IllegalArgumentException(
                        "element " + i + " is " + v.type() + " in an array of " + elementType);
            }
        }
        Object storage = switch (elementType) {
            case UINT8, INT8 -> {
                byte[] a = new byte[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (byte) bits(elements.get(i));
                }
                yield a;
            }
            case UINT16, INT16 -> {
                short[] a = new short[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (short) bits(elements.get(i));
                }
                yield a;
            }
            case UINT32, INT32 -> {
                int[] a = new int[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (int) bits(elements.get(i));
                }
                yield a;
            }
            case UINT64, INT64 -> {
                long[] a = new long[n];
                for (int i = 0; i < n; i++) {
                    a[i] = bits(elements.get(i));
                }
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[n];
                for (int i = 0; i < n; i++) {
                    a[i] = ((GgufValue.Float32) elements.get(i)).value();
                }
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[n];
                for (int i = 0; i < n; i++) {
                    a[i] = ((GgufValue.Float64) elements.get(i)).value();
                }
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[n];
                for (int i = 0; i < n; i++) {
                    a[i] = ((GgufValue.Bool) elements.get(i)).value();
                }
                yield a;
            }
            case STRING -> {
                String[] a = new String[n];
                for (int i = 0; i < n; i++) {
                    a[i] = ((GgufValue.Str) elements.get(i)).value();
                }
                yield a;
            }
            case ARRAY -> {
                GgufArray[] a = new GgufArray[n];
                for (int i = 0; i < n; i++) {
                    a[i] = (GgufArray) elements.get(i);
                }
                yield a;
            }
        };
        return new GgufArray(elementType, storage, n);
    }

    @Override
    public GgufValueType type() {
        return GgufValueType.ARRAY;
    }

    public GgufValueType elementType() {
        return elementType;
    }

    public int size() {
        return size;
    }

    /** Element {@code index}, boxed as the {@link GgufValue} of the element type. */
    public GgufValue get(int index) {
        Objects.checkIndex(index, size);
        return switch (elementType) {
            case UINT8 -> new GgufValue.UInt8(((byte[]) values)[index] & 0xFF);
            case INT8 -> new GgufValue.Int8(((byte[]) values)[index]);
            case UINT16 -> new GgufValue.UInt16(((short[]) values)[index] & 0xFFFF);
            case INT16 -> new GgufValue.Int16(((short[]) values)[index]);
            case UINT32 -> new GgufValue.UInt32(Integer.toUnsignedLong(((int[]) values)[index]));
            case INT32 -> new GgufValue.Int32(((int[]) values)[index]);
            case FLOAT32 -> new GgufValue.Float32(((float[]) values)[index]);
            case BOOL -> new GgufValue.Bool(((boolean[]) values)[index]);
            case STRING -> new GgufValue.Str(((String[]) values)[index]);
            case UINT64 -> new GgufValue.UInt64(((long[]) values)[index]);
            case INT64 -> new GgufValue.Int64(((long[]) values)[index]);
            case FLOAT64 -> new GgufValue.Float64(((double[]) values)[index]);
            case ARRAY -> ((GgufArray[]) values)[index];
        };
    }

    /** All elements as an unmodifiable list view that boxes on access. */
    public List<GgufValue> elements() {
        return new AbstractList<>() {
            @Override
            public GgufValue get(int index) {
                return GgufArray.this.get(index);
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    /**
     * The elements of a STRING array as an unmodifiable list.
     *
     * @throws IllegalStateException if the elements are not strings
     */
    public List<String> strings() {
        requireElementType(GgufValueType.STRING);
        return List.of((String[]) values);
    }

    /**
     * Integer elements widened to long (unsigned types without sign extension; UINT64 as raw bits).
     *
     * @throws IllegalStateException if the elements are not integers
     */
    public long[] toLongArray() {
        long[] out = new long[size];
        switch (elementType) {
            case UINT8 -> {
                byte[] a = (byte[]) values;
                for (int i = 0; i < size; i++) {
                    out[i] = a[i] & 0xFF;
                }
            }
            case INT8 -> {
                byte[] a = (byte[]) values;
                for (int i = 0; i < size; i++) {
                    out[i] = a[i];
                }
            }
            case UINT16 -> {
                short[] a = (short[]) values;
                for (int i = 0; i < size; i++) {
                    out[i] = a[i] & 0xFFFF;
                }
            }
            case INT16 -> {
                short[] a = (short[]) values;
                for (int i = 0; i < size; i++) {
                    out[i] = a[i];
                }
            }
            case UINT32 -> {
                int[] a = (int[]) values;
                for (int i = 0; i < size; i++) {
                    out[i] = Integer.toUnsignedLong(a[i]);
                }
            }
            case INT32 -> {
                int[] a = (int[]) values;
                for (int i = 0; i < size; i++) {
                    out[i] = a[i];
                }
            }
            case UINT64, INT64 -> System.arraycopy((long[]) values, 0, out, 0, size);
            default -> throw new IllegalStateException("array of " + elementType + " has no integer elements");
        }
        return out;
    }

    /**
     * Integer elements as ints.
     *
     * @throws IllegalStateException if the elements are not integers or one does not fit in an int
     */
    public int[] toIntArray() {
        if (elementType == GgufValueType.INT32) {
            return ((int[]) values).clone();
        }
        long[] wide = toLongArray();
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            long v = wide[i];
            if (v != (int) v || (elementType == GgufValueType.UINT64 && v < 0)) {
                throw new IllegalStateException("element " + i + " (" + v + ") of a " + elementType + " array does not fit in an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /**
     * FLOAT32 elements (FLOAT64 narrowed).
     *
     * @throws IllegalStateException if the elements are not floating point
     */
    public float[] toFloatArray() {
        if (elementType == GgufValueType.FLOAT32) {
            return ((float[]) values).clone();
        }
        requireElementType(GgufValueType.FLOAT64);
        double[] a = (double[]) values;
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = (float) a[i];
        }
        return out;
    }

    /** The bit pattern of an integer value, truncated to its storage width by the caller. */
    private static long bits(GgufValue v) {
        return switch (v) {
            case GgufValue.UInt8 x -> x.value();
            case GgufValue.Int8 x -> x.value();
            case GgufValue.UInt16 x -> x.value();
            case GgufValue.Int16 x -> x.value();
            case GgufValue.UInt32 x -> x.value();
            case GgufValue.Int32 x -> x.value();
            case GgufValue.UInt64 x -> x.value();
            case GgufValue.Int64 x -> x.value();
            default -> throw new IllegalArgumentException(v + " is not an integer");
        };
    }

    /** The backing storage, for the encoder; never exposed outside the package. */
    Object storage() {
        return values;
    }

    private void requireElementType(GgufValueType expected) {
        if (elementType != expected) {
            throw new IllegalStateException("array of " + elementType + ", expected an array of " + expected);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufArray other
                && other.elementType == elementType
                && Arrays.deepEquals(new Object[] {values}, new Object[] {other.values});
    }

    @Override
    public int hashCode() {
        return 31 * elementType.hashCode() + Arrays.deepHashCode(new Object[] {values});
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ARRAY<").append(elementType).append(">[").append(size).append("]{");
        int shown = Math.min(size, 8);
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            GgufValue v = get(i);
            sb.append(v instanceof GgufValue.Str s ? '"' + s.value() + '"' : v.toString());
        }
        if (shown < size) {
            sb.append(", ...");
        }
        return sb.append('}').toString();
    }
}
