package io.edgenode.store.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Confined to the writing thread: serializes GGUF header fields and metadata values into a growing
 * little-endian buffer.
 */
final class GgufEncoder {

    private ByteBuffer buf = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);

    /** The bytes written so far, ready to be drained. */
    ByteBuffer finish() {
        return buf.duplicate().flip();
    }

    long position() {
        return buf.position();
    }

    void u8(int v) {
        ensure(1).put((byte) v);
    }

    void i16(int v) {
        ensure(2).putShort((short) v);
    }

    void i32(int v) {
        ensure(4).putInt(v);
    }

    void i64(long v) {
        ensure(8).putLong(v);
    }

    void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        i64(b.length);
        ensure(b.length).put(b);
    }

    void zeros(int n) {
        ensure(n).put(new byte[n]);
    }

    /** A key-value pair: key, value type, value. */
    void keyValue(String key, GgufValue value) {
        string(key);
        i32(value.type().id());
        value(value);
    }

    /** The value's bytes without its type tag (arrays include their element type and count). */
    void value(GgufValue value) {
        switch (value) {
            case GgufValue.UInt8 v -> u8(v.value());
            case GgufValue.Int8 v -> u8(v.value());
            case GgufValue.UInt16 v -> i16(v.value());
            case GgufValue.Int16 v -> i16(v.value());
            case GgufValue.UInt32 v -> i32((int) v.value());
            case GgufValue.Int32 v -> i32(v.value());
            case GgufValue.Float32 v -> i32(Float.floatToRawIntBits(v.value()));
            case GgufValue.Bool v -> u8(v.value() ? 1 : 0);
            case GgufValue.Str v -> string(v.value());
            case GgufValue.UInt64 v -> i64(v.value());
            case GgufValue.Int64 v -> i64(v.value());
            case GgufValue.Float64 v -> i64(Double.doubleToRawLongBits(v.value()));
            case GgufArray a -> array(a);
        }
    }

    private void array(GgufArray a) {
        i32(a.elementType().id());
        i64(a.size());
        Object storage = a.storage();
        switch (a.elementType()) {
            case UINT8, INT8 -> ensure(a.size()).put((byte[]) storage);
            case BOOL -> {
                ByteBuffer b = ensure(a.size());
                for (boolean v : (boolean[]) storage) {
                    b.put((byte) (v ? 1 : 0));
                }
            }
            case UINT16, INT16 -> {
                ByteBuffer b = ensure(2L * a.size());
                for (short v : (short[]) storage) {
                    b.putShort(v);
                }
            }
            case UINT32, INT32 -> {
                ByteBuffer b = ensure(4L * a.size());
                for (int v : (int[]) storage) {
                    b.putInt(v);
                }
            }
            case FLOAT32 -> {
                ByteBuffer b = ensure(4L * a.size());
                for (float v : (float[]) storage) {
                    b.putInt(Float.floatToRawIntBits(v));
                }
            }
            case UINT64, INT64 -> {
                ByteBuffer b = ensure(8L * a.size());
                for (long v : (long[]) storage) {
                    b.putLong(v);
                }
            }
            case FLOAT64 -> {
                ByteBuffer b = ensure(8L * a.size());
                for (double v : (double[]) storage) {
                    b.putLong(Double.doubleToRawLongBits(v));
                }
            }
            case STRING -> {
                for (String s : (String[]) storage) {
                    string(s);
                }
            }
            case ARRAY -> {
                for (GgufArray inner : (GgufArray[]) storage) {
                    array(inner);
                }
            }
        }
    }

    private ByteBuffer ensure(long n) {
        if (n > buf.remaining()) {
            long needed = buf.position() + n;
            if (needed > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("GGUF header larger than 2 GiB");
            }
            long capacity = Math.max(needed, Math.min(Integer.MAX_VALUE - 16, 2L * buf.capacity()));
            ByteBuffer bigger = ByteBuffer.allocate((int) capacity).order(ByteOrder.LITTLE_ENDIAN);
            bigger.put(buf.flip());
            buf = bigger;
        }
        return buf;
    }
}
