package io.edgenode.bench.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A streaming {@code /v1/chat/completions} client over {@link HttpClient} (HTTP/1.1, keep-alive
 * pool), timing each SSE event on arrival. Kept cheap on purpose: the client shares the 2 cores
 * with the node and its decode threads, so events are recognised by string search, not parsed;
 * only the usage chunk's {@code completion_tokens} is extracted. Works against our node and
 * llama-server alike. Thread-safe ({@link HttpClient} is; each call keeps its state on its stack).
 */
final class SseClient {
    private static final Pattern COMPLETION_TOKENS = Pattern.compile("\"completion_tokens\"\\s*:\\s*(\\d+)");
    private static final Pattern NON_EMPTY_CONTENT = Pattern.compile("\"content\"\\s*:\\s*\"[^\"]");

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final URI chat;

    SseClient(URI baseUri) {
        this.chat = baseUri.resolve("/v1/chat/completions");
    }

    /** The request body: one user message, greedy, EOS ignored, exactly {@code maxTokens}, usage at the end. */
    static String body(String model, String userText, int maxTokens) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + userText + "\"}],"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"ignore_eos\":true,"
                + "\"max_tokens\":" + maxTokens + ",\"temperature\":0}";
    }

    /** One plain GET (e.g. {@code /health}) to the end of its body: the client's and the node's round trip. */
    long roundTripNanos(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(chat.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build();
        long start = System.nanoTime();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        long end = System.nanoTime();
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " from " + path);
        }
        return end - start;
    }

    /** Sends one streaming request and reads it to {@code [DONE]}; fails on a non-200 or a missing usage chunk. */
    StreamTiming stream(String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(chat)
                .timeout(Duration.ofSeconds(300))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        long start = System.nanoTime();
        HttpResponse<Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
        long first = -1;
        long last = -1;
        int events = 0;
        int tokens = -1;
        long[] times = new long[256];
        try (Stream<String> lines = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("HTTP " + response.statusCode() + ": " + String.join("\n", lines.toList()));
            }
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                String line = it.next();
                long now = System.nanoTime();
                if (!line.startsWith("data:")) {
                    continue;
                }
                if (line.startsWith("[DONE]", line.charAt(5) == ' ' ? 6 : 5)) {
                    long end = System.nanoTime();
                    if (tokens < 0 || first < 0) {
                        throw new IOException("stream ended without " + (first < 0 ? "content" : "a usage chunk"));
                    }
                    return new StreamTiming(start, first, last, end, tokens, events, -1, times);
                }
                if (line.contains("\"error\"")) {
                    throw new IOException("error event: " + line);
                }
                if (NON_EMPTY_CONTENT.matcher(line).find()) {
                    if (first < 0) {
                        first = now;
                    }
                    last = now;
                    if (events == times.length) {
                        times = java.util.Arrays.copyOf(times, events * 2);
                    }
                    times[events++] = now;
                }
                if (line.contains("\"usage\":{")) {
                    Matcher m = COMPLETION_TOKENS.matcher(line);
                    if (m.find()) {
                        tokens = Integer.parseInt(m.group(1));
                    }
                }
            }
        }
        throw new IOException("stream closed before [DONE]");
    }
}
