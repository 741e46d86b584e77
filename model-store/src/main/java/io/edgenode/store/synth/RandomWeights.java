package io.edgenode.store.synth;

import io.edgenode.store.gguf.GgmlType;
import io.edgenode.store.gguf.TensorDataSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Confined to the writing thread (it fills a scratch buffer shared with the other tensors of one
 * write): streams the data of one synthetic tensor, seeded uniform noise of a given standard
 * deviation, or a constant.
 *
 * <p>Determinism contract: the bytes depend only on the model seed, the tensor name, the element
 * count, the type and the scale. The tensor is cut into chunks of {@value #CHUNK_ELEMENTS} elements,
 * each with its own generator seeded from (tensor seed, chunk index), so the output does not depend on
 * buffer sizes or on the order tensors are written, and chunks could be generated in parallel without
 * changing a byte.
 */
final class RandomWeights implements TensorDataSource {

    static final int CHUNK_ELEMENTS = 1 << 16;

    /** Buffer big enough for one F32 chunk; shared by all tensors of one write, which run one at a time. */
    static ByteBuffer newScratch() {
        return ByteBuffer.allocateDirect(CHUNK_ELEMENTS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    }

    private final GgmlType type;
    private final long elements;
    private final long tensorSeed;
    private final float std;
    private final float constant;
    private final ByteBuffer scratch;

    private RandomWeights(GgmlType type, long elements, long tensorSeed, float std, float constant, ByteBuffer scratch) {
        if (type != GgmlType.F32 && type != GgmlType.F16) {
            throw new IllegalArgumentException("synthetic weights are F32 or F16, not " + type);
        }
        this.type = type;
        this.elements = elements;
        this.tensorSeed = tensorSeed;
        this.std = std;
        this.constant = constant;
        this.scratch = scratch;
    }

    /** Uniform noise with standard deviation {@code std}, seeded by {@code modelSeed} and {@code tensorName}. */
    static RandomWeights noise(GgmlType type, long elements, long modelSeed, String tensorName, float std, ByteBuffer scratch) {
        return new RandomWeights(type, elements, mix64(modelSeed ^ mix64(fnv1a(tensorName))), std, 0, scratch);
    }

    /** Every element equal to {@code value} (norm weights). */
    static RandomWeights constant(GgmlType type, long elements, float value, ByteBuffer scratch) {
        return new RandomWeights(type, elements, 0, 0, value, scratch);
    }

    @Override
    public void writeTo(WritableByteChannel sink) throws IOException {
        // Uniform on [-a, a) has standard deviation a / sqrt(3). A signed 32-bit integer times
        // a / 2^31 is uniform on that interval, which is all the randomness a weight needs.
        float toUniform = (float) (std * Math.sqrt(3.0) / 2147483648.0);
        int bytesPerElement = type.typeSize();
        for (long start = 0, chunk = 0; start < elements; start += CHUNK_ELEMENTS, chunk++) {
            int n = (int) Math.min(CHUNK_ELEMENTS, elements - start);
            ByteBuffer buf = scratch.clear();
            if (std == 0) {
                fillConstant(buf, n);
            } else {
                fillNoise(buf, n, new SplittableRandom(mix64(tensorSeed + chunk * 0x9E3779B97F4A7C15L)), toUniform);
            }
            buf.position(0).limit(n * bytesPerElement);
            while (buf.hasRemaining()) {
                sink.write(buf);
            }
        }
    }

    private void fillNoise(ByteBuffer buf, int n, SplittableRandom rng, float toUniform) {
        int i = 0;
        if (type == GgmlType.F32) {
            for (; i + 1 < n; i += 2) {
                long r = rng.nextLong();
                buf.putFloat(i * 4, (int) r * toUniform);
                buf.putFloat(i * 4 + 4, (int) (r >>> 32) * toUniform);
            }
            if (i < n) {
                buf.putFloat(i * 4, (int) rng.nextLong() * toUniform);
            }
        } else {
            for (; i + 1 < n; i += 2) {
                long r = rng.nextLong();
                buf.putShort(i * 2, Float.floatToFloat16((int) r * toUniform));
                buf.putShort(i * 2 + 2, Float.floatToFloat16((int) (r >>> 32) * toUniform));
            }
            if (i < n) {
                buf.putShort(i * 2, Float.floatToFloat16((int) rng.nextLong() * toUniform));
            }
        }
    }

    private void fillConstant(ByteBuffer buf, int n) {
        if (type == GgmlType.F32) {
            for (int i = 0; i < n; i++) {
                buf.putFloat(i * 4, constant);
            }
        } else {
            short half = Float.floatToFloat16(constant);
            for (int i = 0; i < n; i++) {
                buf.putShort(i * 2, half);
            }
        }
    }

    /** A strong 64-bit finalizer (the SplitMix64 mixing function), so nearby seeds give unrelated streams. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** 64-bit FNV-1a of the UTF-8 bytes: a stable, platform-independent tensor-name hash. */
    static long fnv1a(String s) {
        long h = 0xCBF29CE484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001B3L;
        }
        return h;
    }
}
