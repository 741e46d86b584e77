package io.edgenode.server.session;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Token ids as a BLOB: little-endian int32s, 4 bytes per token. Stateless. */
final class TokenBlobs {
    private TokenBlobs() {}

    static byte[] encode(int[] tokens) {
        ByteBuffer buf = ByteBuffer.allocate(Math.multiplyExact(tokens.length, Integer.BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        buf.asIntBuffer().put(tokens);
        return buf.array();
    }

    static int[] decode(byte[] blob) {
        if (blob == null) {
            return new int[0];
        }
        if (blob.length % Integer.BYTES != 0) {
            throw new IllegalArgumentException("token blob of " + blob.length + " bytes is not a whole number of int32s");
        }
        int[] tokens = new int[blob.length / Integer.BYTES];
        ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(tokens);
        return tokens;
    }
}
