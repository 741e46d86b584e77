package io.edgenode.bench.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.bench.common.FakeEndpoint;
import io.edgenode.bench.load.ChatClient;
import io.edgenode.bench.load.Endpoint;
import io.edgenode.bench.load.ExactTokens;
import io.edgenode.bench.load.Message;
import io.edgenode.bench.load.Timeouts;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP-vs-engine bench's timings, read through the benchmarks' one SSE client. */
class StreamTimingTest {
    private final ChatClient client = new ChatClient(new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(5),
            Duration.ofSeconds(5), Duration.ofSeconds(10)));

    @AfterEach
    void close() {
        client.close();
    }

    private StreamTiming stream(FakeEndpoint server) throws Exception {
        Endpoint ep = new Endpoint("fake", URI.create(server.url()), "m", "");
        return StreamTiming.of(client.chat(ep, List.of(new Message("user", "hi")), null,
                new ChatClient.Options(5, ExactTokens.IGNORE_EOS, true, 0), 0, 0, 0));
    }

    @Test
    void shouldTimeEveryContentEventOnArrival() throws Exception {
        long before = System.nanoTime();
        StreamTiming t;
        try (FakeEndpoint server = new FakeEndpoint((x, body) -> {
            OutputStream os = FakeEndpoint.openStream(x);
            for (String event : FakeEndpoint.sse(5, true, 10).split("(?<=\n\n)")) {
                os.write(event.getBytes(StandardCharsets.UTF_8));
                os.flush();
                Thread.sleep(30);
            }
        })) {
            t = stream(server);
        }
        long after = System.nanoTime();

        assertEquals(5, t.completionTokens(), "from the usage chunk");
        assertEquals(5, t.textEvents());
        assertTrue(before <= t.startNanos() && t.startNanos() < t.firstTextNanos(), "send, then the first content");
        assertEquals(t.eventNanos()[0], t.firstTextNanos());
        assertEquals(t.eventNanos()[4], t.lastTextNanos());
        for (int i = 1; i < 5; i++) {
            assertTrue(t.eventNanos()[i] - t.eventNanos()[i - 1] >= 25_000_000L, "30 ms apart: " + i);
        }
        assertTrue(t.lastTextNanos() <= t.endNanos() && t.endNanos() <= after);
        assertEquals(5, t.eventsBetween(t.firstTextNanos(), t.lastTextNanos()));
        double rate = t.decodeTokensPerSecond();
        assertTrue(rate > 10 && rate < 40, "4 tokens over ~120 ms: " + rate);
        assertEquals(-1, t.engineTtftNanos());
    }

    @Test
    void shouldFailWithoutAUsageChunk() throws Exception {
        try (FakeEndpoint server = new FakeEndpoint((x, body) ->
                FakeEndpoint.send(x, 200, "text/event-stream", FakeEndpoint.sse(4, false, 0)))) {
            IOException e = assertThrows(IOException.class, () -> stream(server));
            assertTrue(e.getMessage().contains("usage chunk"), e.getMessage());
        }
    }

    @Test
    void shouldFailOnAnErrorEvent() throws Exception {
        try (FakeEndpoint server = new FakeEndpoint((x, body) -> FakeEndpoint.send(x, 200, "text/event-stream",
                "data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}\n\ndata: [DONE]\n\n"))) {
            IOException e = assertThrows(IOException.class, () -> stream(server));
            assertTrue(e.getMessage().contains("boom"), e.getMessage());
        }
    }
}
