package io.edgenode.store.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Produces the bytes of one tensor for {@link GgufWriter}, streaming, so that multi-GB models are
 * written without being held in memory. Called on the writing thread, once per write.
 *
 * <p>The source must write exactly the tensor's byte size ({@link GgmlType#rowBytes} times the row
 * count) into the sink, in ggml's layout (row-major, {@code ne[0]} contiguous, little-endian). The
 * sink rejects bytes beyond that size and the writer rejects a source that stops short. The sink must
 * not be closed.
 */
@FunctionalInterface
public interface TensorDataSource {

    void writeTo(WritableByteChannel sink) throws IOException;

    /** A source that writes a copy of {@code bytes} (for small tensors and tests). */
    static TensorDataSource of(byte[] bytes) {
        byte[] copy = bytes.clone();
        return sink -> {
            ByteBuffer buf = ByteBuffer.wrap(copy);
            while (buf.hasRemaining()) {
                sink.write(buf);
            }
        };
    }
}
