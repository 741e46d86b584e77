package io.edgenode.bench.live;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal session WebSocket client for the fan-out benchmark: the handshake by hand, then one
 * virtual thread reads frames and only looks for the end of a turn. Written by hand (not
 * java.net.http's WebSocket) so that 100 clients in the benchmark's own process cost as little
 * CPU as possible: on a 2-core box the clients compete with the node they measure.
 * Thread-safe: the reader thread writes the counters, anyone reads them.
 */
final class RawSocketClient implements AutoCloseable {
    private static final byte[] FINISHED = "\"type\":\"turn.finished\"".getBytes(StandardCharsets.US_ASCII);

    private final Socket socket;
    private final Thread reader;
    final AtomicLong frames = new AtomicLong();
    final AtomicLong turnsFinished = new AtomicLong();
    volatile long lastFinishedNanos;

    RawSocketClient(int port, String sessionId) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setTcpNoDelay(true);
        String key = Base64.getEncoder().encodeToString(Long.toString(System.nanoTime()).getBytes());
        socket.getOutputStream().write(("GET /v1/sessions/" + sessionId + "/ws HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed during the handshake: " + head);
            }
            head.append((char) c);
        }
        if (!head.toString().startsWith("HTTP/1.1 101")) {
            throw new IOException("handshake refused: " + head);
        }
        DataInputStream data = new DataInputStream(new java.io.BufferedInputStream(in, 8 * 1024));
        reader = Thread.ofVirtual().name("bench-ws-client").start(() -> read(data));
    }

    private void read(DataInputStream in) {
        byte[] buf = new byte[1024];
        try {
            while (true) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                long len = b1 & 0x7f;
                if (len == 126) {
                    len = in.readUnsignedShort();
                } else if (len == 127) {
                    len = in.readLong();
                }
                if (len > buf.length) {
                    buf = new byte[(int) len];
                }
                in.readFully(buf, 0, (int) len);
                if ((b0 & 0x0f) == 0x8) {
                    return; // close
                }
                frames.incrementAndGet();
                if (contains(buf, (int) len, FINISHED)) {
                    lastFinishedNanos = System.nanoTime();
                    turnsFinished.incrementAndGet();
                }
            }
        } catch (IOException e) {
            // closed
        }
    }

    private static boolean contains(byte[] a, int n, byte[] pattern) {
        // The type is the message's first member: look only near the start.
        int limit = Math.min(n - pattern.length, 32);
        outer:
        for (int i = 0; i <= limit; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (a[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
        reader.interrupt();
    }
}
