package io.edgenode.server.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's headless Chromium driven over the Chrome DevTools Protocol, for browser tests. The
 * protocol goes over {@code java.net.http}'s WebSocket (flattened sessions: one browser socket,
 * commands for a page carry its {@code sessionId}); no driver, no extra dependency. Thread-safe:
 * replies and events arrive on the client's threads and complete the callers' futures.
 *
 * <p>Each instance runs its own browser with a fresh profile directory; {@link #close()} kills it
 * (and its helper processes) by pid and deletes the profile.
 */
public final class Chromium implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/chromium");
    /** Set to 1 (CI) to fail instead of skipping when Chromium is not installed. */
    public static final String REQUIRE_ENV = "EDGENODE_REQUIRE_CHROMIUM";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicLong ids = new AtomicLong();
    private final ConcurrentHashMap<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    /** JavaScript exceptions and error-level console/log entries, by page session id; for assertions. */
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final List<String> stderrTail = new CopyOnWriteArrayList<>();

    /** Skips the calling test when Chromium is absent, or fails it when {@value #REQUIRE_ENV}=1. */
    public static void assumeInstalled() {
        if (Files.isExecutable(BINARY)) {
            return;
        }
        String message = BINARY + " is not installed (apt-get install chromium)";
        if ("1".equals(System.getenv(REQUIRE_ENV))) {
            fail(message + ", and " + REQUIRE_ENV + "=1 requires it");
        }
        Assumptions.abort(message);
    }

    private Chromium(Process process, Path profile, WebSocket socket) {
        this.process = process;
        this.profile = profile;
        this.socket = socket;
    }

    /** Starts a headless browser and connects to it. */
    public static Chromium start() throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("edgenode-chromium-");
        List<String> cmd = List.of(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                // two pages on one session must both run at full speed, neither is "in the background"
                "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                "--disable-backgrounding-occluded-windows", "--window-size=1280,860",
                "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank");
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<String> endpoint = new CompletableFuture<>();
        List<String> tail = new CopyOnWriteArrayList<>();
        Thread reader = Thread.ofVirtual().name("chromium-stderr").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        endpoint.complete(m.group(1));
                    }
                    tail.add(line);
                    if (tail.size() > 50) {
                        tail.removeFirst();
                    }
                }
            } catch (IOException e) {
                // the browser is gone
            }
            endpoint.completeExceptionally(new IOException("chromium exited before listening: " + String.join("\n", tail)));
        });
        String url;
        try {
            url = endpoint.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            kill(p);
            deleteTree(profile);
            throw new IOException("chromium did not start: " + String.join("\n", tail), e);
        }
        CompletableFuture<Chromium> self = new CompletableFuture<>();
        Listener listener = new Listener(self);
        WebSocket ws;
        try {
            ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create(url), listener).get(15, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            kill(p);
            deleteTree(profile);
            throw new IOException("cannot connect to chromium at " + url, e);
        }
        Chromium c = new Chromium(p, profile, ws);
        c.stderrTail.addAll(tail);
        self.complete(c);
        reader.setName("chromium-stderr-" + p.pid());
        return c;
    }

    /** The browser's process id. */
    public long pid() {
        return process.pid();
    }

    /** Exceptions thrown by pages' scripts and error-level console and log entries seen so far. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Sends a browser-level command (no page session) and waits for its result. */
    public JsonNode send(String method, ObjectNode params) {
        return send(null, method, params);
    }

    private JsonNode send(String sessionId, String method, ObjectNode params) {
        long id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", params == null ? JSON.createObjectNode() : params);
        if (sessionId != null) {
            msg.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        synchronized (socket) { // one text message at a time on a WebSocket
            socket.sendText(msg.toString(), true).join();
        }
        try {
            JsonNode r = reply.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (r.has("error")) {
                throw new IllegalStateException(method + ": " + r.get("error"));
            }
            return r.path("result");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + method, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(method + " got no answer from chromium", e);
        } finally {
            pending.remove(id);
        }
    }

    /** A new tab of {@code width} x {@code height} CSS pixels, on about:blank. */
    public Page newPage(int width, int height) {
        String targetId = send("Target.createTarget", obj().put("url", "about:blank")).get("targetId").asText();
        String sessionId = send("Target.attachToTarget", obj().put("targetId", targetId).put("flatten", true))
                .get("sessionId").asText();
        Page page = new Page(targetId, sessionId);
        page.send("Page.enable", null);
        page.send("Runtime.enable", null);
        page.send("Log.enable", null);
        page.send("Emulation.setDeviceMetricsOverride", obj().put("width", width).put("height", height)
                .put("deviceScaleFactor", 1).put("mobile", false));
        page.send("Emulation.setFocusEmulationEnabled", obj().put("enabled", true));
        return page;
    }

    private static ObjectNode obj() {
        return JSON.createObjectNode();
    }

    /** One tab, attached through a flattened session. */
    public final class Page {
        private final String targetId;
        private final String sessionId;

        private Page(String targetId, String sessionId) {
            this.targetId = targetId;
            this.sessionId = sessionId;
        }

        public JsonNode send(String method, ObjectNode params) {
            return Chromium.this.send(sessionId, method, params);
        }

        /** Navigates and waits until the document has loaded. */
        public void navigate(String url) {
            JsonNode r = send("Page.navigate", obj().put("url", url));
            if (r.hasNonNull("errorText")) {
                throw new IllegalStateException("cannot load " + url + ": " + r.get("errorText").asText());
            }
            Eventually.until(Duration.ofSeconds(15), "page " + url + " loaded",
                    () -> "complete".equals(eval("document.readyState")));
        }

        /**
         * The value of {@code expression} (JSON-serialisable: strings, numbers, booleans, arrays,
         * objects), awaiting a promise; a script exception fails the caller.
         */
        public Object eval(String expression) {
            JsonNode r = send("Runtime.evaluate", obj().put("expression", expression).put("returnByValue", true)
                    .put("awaitPromise", true));
            if (r.has("exceptionDetails")) {
                JsonNode d = r.get("exceptionDetails");
                throw new AssertionError("script failed: " + expression + "\n"
                        + d.path("exception").path("description").asText(d.path("text").asText()));
            }
            JsonNode v = r.path("result").path("value");
            return v.isMissingNode() || v.isNull() ? null : JSON.convertValue(v, Object.class);
        }

        public String evalString(String expression) {
            Object v = eval(expression);
            return v == null ? null : v.toString();
        }

        public boolean evalTrue(String expression) {
            return Boolean.TRUE.equals(eval(expression));
        }

        /** A PNG of the viewport, written to {@code file} (folders created). */
        public Path screenshot(Path file) throws IOException {
            send("Page.bringToFront", null); // a headless tab behind another never paints: the capture would hang
            String data = send("Page.captureScreenshot", obj().put("format", "png")).get("data").asText();
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, Base64.getDecoder().decode(data));
            return file;
        }

        public void close() {
            Chromium.this.send("Target.closeTarget", obj().put("targetId", targetId));
        }
    }

    /** Kills the browser and its helpers by pid, then deletes the profile directory. */
    @Override
    public void close() {
        try {
            socket.abort();
        } finally {
            kill(process);
            deleteTree(profile);
        }
    }

    private static void kill(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        // Helper processes may still be writing for a moment after the browser exits: try twice.
        for (int attempt = 0; attempt < 2; attempt++) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
                return;
            } catch (IOException | UncheckedIOException e) {
                // a file appeared or vanished during the walk: walk again
            }
        }
    }

    /** Collects fragments into messages; replies complete their futures, events are noted. */
    private static final class Listener implements WebSocket.Listener {
        private final CompletableFuture<Chromium> owner;
        private final StringBuilder partial = new StringBuilder();

        Listener(CompletableFuture<Chromium> owner) {
            this.owner = owner;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                owner.thenAccept(c -> c.onMessage(text));
            }
            ws.request(1);
            return null;
        }
    }

    private void onMessage(String text) {
        JsonNode msg;
        try {
            msg = JSON.readTree(text);
        } catch (IOException e) {
            problems.add("unparsable DevTools message: " + text);
            return;
        }
        if (msg.has("id")) {
            CompletableFuture<JsonNode> f = pending.get(msg.get("id").asLong());
            if (f != null) {
                f.complete(msg);
            }
            return;
        }
        String method = msg.path("method").asText();
        JsonNode params = msg.path("params");
        switch (method) {
            case "Runtime.exceptionThrown" -> problems.add("exception: "
                    + params.path("exceptionDetails").path("exception").path("description")
                    .asText(params.path("exceptionDetails").path("text").asText()));
            case "Runtime.consoleAPICalled" -> {
                if (params.path("type").asText().equals("error")) {
                    List<String> args = new ArrayList<>();
                    params.path("args").forEach(a -> args.add(a.path("value").asText(a.path("description").asText())));
                    problems.add("console.error: " + String.join(" ", args));
                }
            }
            case "Log.entryAdded" -> {
                JsonNode e = params.path("entry");
                if (e.path("level").asText().equals("error")) {
                    problems.add("log." + e.path("source").asText() + ": " + e.path("text").asText() + " "
                            + e.path("url").asText(""));
                }
            }
            default -> { }
        }
    }
}
