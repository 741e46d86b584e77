package io.edgenode.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Thread-safe (each call keeps its state on its own stack): the benchmarks' one client for
 * OpenAI-compatible endpoints over {@link HttpClient} (HTTP/1.1, keep-alive), chat completions
 * (streamed or not, SSE events timed on arrival) and the node's sessions API; the load harness, the
 * HTTP-vs-engine bench and the session bench all use it. Every wait is bounded by
 * {@link Timeouts}, so a stalled endpoint yields a {@link ErrorKind#TIMEOUT} result and never
 * blocks a caller for longer than {@link Timeouts#request()}.
 */
public final class ChatClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How much of an error body goes into a report. */
    private static final int DETAIL_CHARS = 300;

    private final HttpClient client;
    private final Timeouts timeouts;

    public ChatClient(Timeouts timeouts) {
        this.timeouts = timeouts;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeouts.connect())
                .build();
    }

    /** Aborts whatever is still in flight and releases the client's connections and threads. */
    @Override
    public void close() {
        client.shutdownNow();
    }

    /** What one chat request asks for, besides its messages. Immutable. */
    public record Options(int maxTokens, ExactTokens exactTokens, boolean stream, double temperature) {}

    /** The JSON body of one chat request. */
    public static byte[] chatBody(String model, List<Message> messages, String sessionId, Options o) {
        ObjectNode b = JSON.createObjectNode();
        b.put("model", model);
        ArrayNode ms = b.putArray("messages");
        for (Message m : messages) {
            ms.addObject().put("role", m.role()).put("content", m.content());
        }
        b.put("stream", o.stream());
        if (o.stream()) {
            b.putObject("stream_options").put("include_usage", true);
        }
        b.put("max_tokens", o.maxTokens());
        b.put("temperature", o.temperature());
        if (o.exactTokens().ignoreEos) {
            b.put("ignore_eos", true);
        }
        if (o.exactTokens().minTokens) {
            b.put("min_tokens", o.maxTokens());
        }
        if (sessionId != null) {
            b.put("session_id", sessionId);
        }
        try {
            return JSON.writeValueAsBytes(b);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends one {@code POST v1/chat/completions} and reads its response to the end; never throws
     * for what the endpoint does (errors, stalls, bad bodies are in the result).
     *
     * @param levelStartNanos {@link System#nanoTime()} at the start of the level run, for {@link RequestResult#startNanos()}
     */
    public RequestResult chat(Endpoint ep, List<Message> messages, String sessionId, Options o, int conversation,
            int turn, long levelStartNanos) throws InterruptedException {
        HttpRequest request = post(ep, "v1/chat/completions", chatBody(ep.model(), messages, sessionId, o),
                o.stream() ? "text/event-stream" : "application/json");
        Exchange x = new Exchange(conversation, turn, levelStartNanos);
        try {
            int status = x.open(request);
            if (status < 0) {
                return x.result;
            }
            if (status != 200) {
                return x.fail(ErrorKind.HTTP, status, "HTTP " + status + ": " + x.bodySnippet());
            }
            return o.stream() ? x.readStream() : x.readWhole();
        } finally {
            x.close();
        }
    }

    /** The answer to {@code POST v1/sessions}: the new id, or why there is none. Immutable. */
    public record SessionReply(int status, String id, String detail) {
        /** The endpoint has no sessions API (404, or 405/501 from a server that knows the path but not the method). */
        public boolean unsupported() {
            return status == 404 || status == 405 || status == 501;
        }
    }

    /** Creates a session for {@code ep.model()} with an optional system prompt; never throws for the endpoint's answer. */
    public SessionReply createSession(Endpoint ep, String systemPrompt) throws InterruptedException {
        ObjectNode b = JSON.createObjectNode().put("model", ep.model());
        if (systemPrompt != null && !systemPrompt.isEmpty()) {
            b.put("system_prompt", systemPrompt);
        }
        HttpRequest request;
        try {
            request = post(ep, "v1/sessions", JSON.writeValueAsBytes(b), "application/json");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Optional<HttpResponse<String>> r = sendSmall(request);
        if (r.isEmpty()) {
            return new SessionReply(-1, null, "no answer within " + timeouts.response());
        }
        int status = r.get().statusCode();
        if (status != 200 && status != 201) {
            return new SessionReply(status, null, "HTTP " + status + ": " + snippet(r.get().body()));
        }
        try {
            JsonNode id = JSON.readTree(r.get().body()).path("id");
            return id.isTextual() && !id.textValue().isEmpty()
                    ? new SessionReply(status, id.textValue(), "")
                    : new SessionReply(status, null, "no \"id\" in " + snippet(r.get().body()));
        } catch (IOException e) {
            return new SessionReply(status, null, "not JSON: " + snippet(r.get().body()));
        }
    }

    /** {@code DELETE v1/sessions/{id}}, best effort (a leftover session costs the endpoint only storage). */
    void deleteSession(Endpoint ep, String id) throws InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(ep.resolve("v1/sessions/" + id)).timeout(timeouts.response())
                .DELETE();
        auth(b, ep);
        sendSmall(b.build());
    }

    /** One plain GET (e.g. {@code /health}) to the end of its body: the client's and the node's round trip. */
    public long roundTripNanos(Endpoint ep, String path) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(ep.resolve(path)).timeout(timeouts.response()).GET();
        auth(b, ep);
        long start = System.nanoTime();
        HttpResponse<String> response = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        long end = System.nanoTime();
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode() + " from " + path);
        }
        return end - start;
    }

    /** The model ids of {@code GET v1/models}, empty when the endpoint does not answer it. */
    List<String> models(Endpoint ep) throws InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(ep.resolve("v1/models")).timeout(timeouts.response()).GET();
        auth(b, ep);
        Optional<HttpResponse<String>> r = sendSmall(b.build());
        List<String> ids = new ArrayList<>();
        if (r.isPresent() && r.get().statusCode() == 200) {
            try {
                for (JsonNode m : JSON.readTree(r.get().body()).path("data")) {
                    if (m.path("id").isTextual()) {
                        ids.add(m.path("id").textValue());
                    }
                }
            } catch (IOException e) {
                // not JSON: no ids
            }
        }
        return ids;
    }

    /** A small request with the whole exchange bounded by the response timeout; empty on any failure. */
    private Optional<HttpResponse<String>> sendSmall(HttpRequest request) throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            CompletableFuture<HttpResponse<String>> f = client.sendAsync(request, HttpResponse.BodyHandlers.ofString());
            try {
                return Optional.of(f.get(timeouts.response().toNanos(), TimeUnit.NANOSECONDS));
            } catch (ExecutionException e) {
                if (attempt == 0 && staleConnection(e.getCause())) {
                    continue;
                }
                return Optional.empty();
            } catch (TimeoutException e) {
                f.cancel(true);
                return Optional.empty();
            }
        }
    }

    /**
     * A pooled keep-alive connection the server had already closed (llama-server's cpp-httplib
     * closes idle ones after 5 s): the request never reached it, so sending it once more on a
     * fresh connection is safe, and not retrying would count a client artefact as a server error.
     */
    static boolean staleConnection(Throwable t) {
        return t instanceof IOException && !(t instanceof HttpTimeoutException) && !(t instanceof ConnectException)
                && String.valueOf(t.getMessage()).contains("received no bytes");
    }

    private HttpRequest post(Endpoint ep, String path, byte[] body, String accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(ep.resolve(path))
                .timeout(timeouts.response())
                .header("Content-Type", "application/json")
                .header("Accept", accept)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        auth(b, ep);
        return b.build();
    }

    private static void auth(HttpRequest.Builder b, Endpoint ep) {
        if (!ep.apiKey().isEmpty()) {
            b.header("Authorization", "Bearer " + ep.apiKey());
        }
    }

    static String snippet(String s) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() <= DETAIL_CHARS ? one : one.substring(0, DETAIL_CHARS) + "...";
    }

    /** The state of one request in flight. Confined to the calling thread. */
    private final class Exchange {
        private final int conversation;
        private final int turn;
        private final long levelStart;
        private final LineQueue lines = new LineQueue();
        private long start;
        private long deadline;
        private CompletableFuture<HttpResponse<Void>> response;
        private boolean drained;
        private int status = -1;
        /** Set when {@link #open} failed. */
        RequestResult result;

        Exchange(int conversation, int turn, long levelStart) {
            this.conversation = conversation;
            this.turn = turn;
            this.levelStart = levelStart;
        }

        /** Sends and waits for the status line: the status, or -1 with {@link #result} set. */
        int open(HttpRequest request) throws InterruptedException {
            return open(request, true);
        }

        private int open(HttpRequest request, boolean mayRetry) throws InterruptedException {
            CompletableFuture<HttpResponse.ResponseInfo> headers = new CompletableFuture<>();
            start = System.nanoTime();
            deadline = start + timeouts.request().toNanos();
            response = client.sendAsync(request, info -> {
                headers.complete(info);
                return HttpResponse.BodySubscribers.fromLineSubscriber(lines, s -> null, StandardCharsets.UTF_8, null);
            });
            response.whenComplete((r, t) -> {
                if (t != null) {
                    headers.completeExceptionally(t);
                    lines.fail(t);
                }
            });
            // HttpRequest.timeout bounds the headers already; the extra second only covers its own lateness.
            long wait = Math.min(timeouts.response().toNanos() + 1_000_000_000L, deadline - System.nanoTime());
            try {
                status = headers.get(wait, TimeUnit.NANOSECONDS).statusCode();
                return status;
            } catch (TimeoutException e) {
                result = fail(ErrorKind.TIMEOUT, -1, "no response within " + timeouts.response());
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (mayRetry && staleConnection(c)) {
                    return open(request, false);
                }
                if (c instanceof HttpTimeoutException) {
                    result = fail(ErrorKind.TIMEOUT, -1, c.getClass().getSimpleName() + ": " + c.getMessage());
                } else {
                    String what = c instanceof ConnectException ? "connection refused or unreachable" : String.valueOf(c);
                    result = fail(ErrorKind.CONNECT, -1, what);
                }
            }
            return -1;
        }

        /** Reads an SSE stream to {@code data: [DONE]}. */
        RequestResult readStream() throws InterruptedException {
            long first = -1;
            long last = -1;
            long[] gaps = new long[64];
            int chunks = 0;
            StringBuilder text = new StringBuilder();
            Usage usage = new Usage();
            while (true) {
                String line;
                try {
                    line = nextLine(chunks);
                } catch (LineFailure f) {
                    return f.result;
                }
                long now = System.nanoTime();
                if (line == null) {
                    return fail(ErrorKind.PROTOCOL, status, "stream closed before [DONE] after " + chunks + " chunks");
                }
                if (!line.startsWith("data:")) {
                    continue; // blank separators, comments, event:/id: fields
                }
                String payload = line.substring(5).strip();
                if (payload.equals("[DONE]")) {
                    drain();
                    int tokens = usage.completion >= 0 ? usage.completion : chunks;
                    return new RequestResult(conversation, turn, start - levelStart, first < 0 ? -1 : first - start,
                            now - start, tokens, usage.completion >= 0, usage.prompt, usage.cached, chunks,
                            Arrays.copyOf(gaps, Math.max(0, chunks - 1)), text.toString(), null, status, "");
                }
                JsonNode n;
                try {
                    n = JSON.readTree(payload);
                } catch (IOException e) {
                    return fail(ErrorKind.PROTOCOL, status, "not JSON: " + snippet(payload));
                }
                if (n.has("error")) {
                    return fail(ErrorKind.STREAM_ERROR, status, snippet(n.get("error").toString()));
                }
                JsonNode content = n.path("choices").path(0).path("delta").path("content");
                if (content.isTextual() && !content.textValue().isEmpty()) {
                    if (first < 0) {
                        first = now;
                    } else {
                        if (chunks - 1 == gaps.length) {
                            gaps = Arrays.copyOf(gaps, gaps.length * 2);
                        }
                        gaps[chunks - 1] = now - last;
                    }
                    last = now;
                    chunks++;
                    text.append(content.textValue());
                }
                usage.read(n);
            }
        }

        /** Reads a whole (non-streamed) JSON response. */
        RequestResult readWhole() throws InterruptedException {
            StringBuilder body = new StringBuilder();
            while (true) {
                String line;
                try {
                    line = nextLine(0);
                } catch (LineFailure f) {
                    return f.result;
                }
                if (line == null) {
                    break;
                }
                body.append(line).append('\n');
            }
            drained = true;
            long end = System.nanoTime();
            JsonNode n;
            try {
                n = JSON.readTree(body.toString());
            } catch (IOException e) {
                return fail(ErrorKind.PROTOCOL, status, "not JSON: " + snippet(body.toString()));
            }
            JsonNode content = n.path("choices").path(0).path("message").path("content");
            if (!content.isTextual()) {
                return fail(ErrorKind.PROTOCOL, status, "no choices[0].message.content: " + snippet(body.toString()));
            }
            Usage usage = new Usage();
            usage.read(n);
            int tokens = usage.completion >= 0 ? usage.completion : (content.textValue().isEmpty() ? 0 : 1);
            return new RequestResult(conversation, turn, start - levelStart, -1, end - start, tokens,
                    usage.completion >= 0, usage.prompt, usage.cached, 0, new long[0], content.textValue(), null,
                    status, "");
        }

        /** Up to {@link #DETAIL_CHARS} of an error body, read within the bounds; never fails. */
        String bodySnippet() throws InterruptedException {
            StringBuilder body = new StringBuilder();
            try {
                for (String line = nextLine(0); line != null && body.length() < 4 * DETAIL_CHARS; line = nextLine(0)) {
                    body.append(line).append('\n');
                }
            } catch (LineFailure f) {
                body.append(" [body not complete: ").append(f.result.errorDetail()).append(']');
            }
            return snippet(body.toString());
        }

        /** The next body line within the idle and total bounds. */
        private String nextLine(int chunks) throws InterruptedException, LineFailure {
            long now = System.nanoTime();
            long left = deadline - now;
            boolean totalBound = left <= timeouts.idle().toNanos();
            try {
                String line = lines.next(Math.min(timeouts.idle().toNanos(), left));
                drained |= line == null;
                return line;
            } catch (LineQueue.StallException e) {
                String why = totalBound
                        ? "request not finished within " + timeouts.request()
                        : "body stalled for " + timeouts.idle() + " after " + chunks + " content chunks";
                throw new LineFailure(fail(ErrorKind.TIMEOUT, status, why));
            } catch (IOException e) {
                throw new LineFailure(fail(ErrorKind.CONNECT, status, "body failed: " + e.getMessage()));
            }
        }

        /** Reads what follows {@code [DONE]} (normally nothing) so the connection goes back to the pool. */
        private void drain() throws InterruptedException {
            try {
                while (nextLineQuick() != null) {
                    // ignore
                }
                drained = true;
            } catch (LineQueue.StallException | IOException e) {
                // the connection is closed by close(); the request itself succeeded
            }
        }

        private String nextLineQuick() throws InterruptedException, LineQueue.StallException, IOException {
            return lines.next(Math.min(timeouts.idle().toNanos(), 2_000_000_000L));
        }

        RequestResult fail(ErrorKind kind, int httpStatus, String detail) {
            return RequestResult.failed(conversation, turn, start - levelStart, System.nanoTime() - start, kind,
                    httpStatus, detail);
        }

        /** Abandons whatever is left of the exchange (closes its connection unless the body was read). */
        void close() {
            if (!drained) {
                lines.cancel();
                if (response != null) {
                    response.cancel(true);
                }
            }
        }
    }

    /** Carries a failed read's result out of {@link Exchange#nextLine}. */
    private static final class LineFailure extends Exception {
        final transient RequestResult result;

        LineFailure(RequestResult result) {
            super(null, null, false, false);
            this.result = result;
        }
    }

    /** Token counts from a chunk or response: OpenAI's {@code usage}, or llama-server's {@code timings}. Confined. */
    private static final class Usage {
        int prompt = -1;
        int completion = -1;
        int cached = -1;

        void read(JsonNode n) {
            JsonNode u = n.get("usage");
            if (u != null && u.isObject()) {
                if (u.path("prompt_tokens").isIntegralNumber()) {
                    prompt = u.get("prompt_tokens").intValue();
                }
                if (u.path("completion_tokens").isIntegralNumber()) {
                    completion = u.get("completion_tokens").intValue();
                }
                JsonNode c = u.path("prompt_tokens_details").path("cached_tokens");
                if (c.isIntegralNumber()) {
                    cached = c.intValue();
                }
            }
            JsonNode cacheN = n.path("timings").path("cache_n");
            if (cached < 0 && cacheN.isIntegralNumber()) {
                cached = cacheN.intValue();
            }
        }
    }
}
