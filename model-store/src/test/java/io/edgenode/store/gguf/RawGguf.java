package io.edgenode.store.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Hand-assembles GGUF bytes field by field, so tests can write files no correct writer would. */
final class RawGguf {

    private final ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);

    /** Magic, version, tensor_count, metadata_kv_count. */
    static RawGguf header(long version, long tensorCount, long kvCount) {
        RawGguf g = new RawGguf();
        g.buf.put("GGUF".getBytes(StandardCharsets.US_ASCII));
        return g.u32(version).u64(tensorCount).u64(kvCount);
    }

    /** Current write position: the file offset of the next field. */
    long position() {
        return buf.position();
    }

    RawGguf u8(int v) {
        buf.put((byte) v);
        return this;
    }

    RawGguf i32(int v) {
        buf.putInt(v);
        return this;
    }

    RawGguf u32(long v) {
        buf.putInt((int) v);
        return this;
    }

    RawGguf u64(long v) {
        buf.putLong(v);
        return this;
    }

    RawGguf string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        buf.putLong(b.length);
        buf.put(b);
        return this;
    }

    RawGguf zeros(int n) {
        buf.put(new byte[n]);
        return this;
    }

    /** Key and value type; the value follows. */
    RawGguf key(String key, GgufValueType type) {
        return string(key).i32(type.id());
    }

    RawGguf kvU32(String key, long v) {
        return key(key, GgufValueType.UINT32).u32(v);
    }

    RawGguf kvString(String key, String v) {
        return key(key, GgufValueType.STRING).string(v);
    }

    RawGguf tensorInfo(String name, long[] dims, int typeId, long offset) {
        string(name).u32(dims.length);
        for (long d : dims) {
            u64(d);
        }
        return i32(typeId).u64(offset);
    }

    RawGguf padTo(int alignment) {
        while (buf.position() % alignment != 0) {
            buf.put((byte) 0);
        }
        return this;
    }

    byte[] bytes() {
        return Arrays.copyOf(buf.array(), buf.position());
    }

    Path writeTo(Path dir, String name) throws IOException {
        return Files.write(dir.resolve(name), bytes());
    }
}
