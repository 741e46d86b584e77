package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.server.session.SessionSettings;
import io.edgenode.server.testing.Chromium;
import io.edgenode.server.testing.Eventually;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The web console in Debian's headless Chromium against a real node: chat on a session (streamed),
 * a second page on the same session seeing the same turn live, the models page and the metrics
 * page. Screenshots of every page go to {@code target/console-screenshots/}. Skipped when Chromium
 * is not installed, unless {@code EDGENODE_REQUIRE_CHROMIUM=1}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(90)
class ConsoleBrowserTest {
    private static final Path SHOTS = Path.of("target", "console-screenshots");
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dataDir;
    private TestNode node;
    private Chromium browser;
    private Chromium.Page page;
    private String sessionId;

    @BeforeAll
    void start() throws Exception {
        Chromium.assumeInstalled();
        dataDir = Files.createTempDirectory("console-test-");
        node = new TestNode(TestNode.tinyModel("demo", 2, 1024, 16), "", SessionSettings.defaults(dataDir));
        browser = Chromium.start();
        page = browser.newPage(1280, 820);
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.close();
        }
        if (node != null) {
            node.close();
        }
        if (dataDir != null) {
            try (var s = Files.walk(dataDir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private String url(String fragment) {
        return node.uri("/").toString() + fragment;
    }

    /** Fails with what the page shows in its error banner, if anything, to make a failure readable. */
    private static void noBanner(Chromium.Page p) {
        String banner = p.evalString("document.getElementById('banner').hidden ? '' "
                + ": document.getElementById('banner-text').textContent");
        assertEquals("", banner, "the console shows an error");
    }

    private static void until(Chromium.Page p, String what, String condition) {
        Eventually.until(WAIT, what, () -> {
            String banner = p.evalString("document.getElementById('banner').hidden ? '' "
                    + ": document.getElementById('banner-text').textContent");
            if (banner != null && !banner.isEmpty()) {
                throw new AssertionError("waiting for " + what + ", the console shows an error: " + banner);
            }
            return p.evalTrue(condition);
        });
    }

    /** The text of the assistant's reply of turn element {@code selector}. */
    private static String reply(Chromium.Page p, String turnSelector) {
        return p.evalString("(() => { const t = document.querySelector(" + js(turnSelector) + ");"
                + " return t ? t.querySelector('.msg.assistant .text').textContent : null; })()");
    }

    private static String js(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(Chromium.Page p, String text, int maxTokens) {
        p.eval("document.getElementById('message').value = " + js(text) + ";"
                + "document.getElementById('max-tokens').value = '" + maxTokens + "';"
                + "document.getElementById('send').click()");
    }

    @Test
    @Order(1)
    void shouldCreateASessionAndStreamAReply() throws Exception {
        page.navigate(url(""));
        until(page, "the chat page with the model list",
                "document.body.dataset.page === 'chat' && [...document.querySelectorAll('#model-select option')]"
                        + ".some(o => o.value === 'demo')");
        page.eval("document.getElementById('model-select').value = 'demo'; document.getElementById('new-session').click()");
        until(page, "the new session open", "location.hash.startsWith('#/chat/') && !document.getElementById('message').disabled");
        sessionId = page.evalString("decodeURIComponent(location.hash.slice('#/chat/'.length))");
        until(page, "the session listed", "!!document.querySelector('#session-list a.active')");
        // the live connection settles: the WebSocket when the node has one, else HTTP
        until(page, "the live status settled", "['ws', 'http'].includes(document.body.dataset.live)");

        send(page, "Hello", 24);
        until(page, "a turn shown", "!!document.querySelector('#transcript .turn')");
        until(page, "the turn finished", "document.querySelector('#transcript .turn').dataset.state === 'finished'");
        String text = reply(page, "#transcript .turn");
        assertTrue(text != null && !text.isEmpty(), "assistant text: " + text);
        Object deltas = page.eval("Number(document.querySelector('#transcript .turn').dataset.deltas || 0)");
        assertTrue(((Number) deltas).intValue() > 1, "streamed in several deltas, got " + deltas);
        assertEquals("Hello", page.evalString("document.querySelector('#transcript .turn .msg.user').textContent"
                + ".replace(/^user/, '')"));
        noBanner(page);
        page.screenshot(SHOTS.resolve("01-chat.png"));

        // The node stored the turn the page showed.
        var stored = JSON.readTree(node.get("/v1/sessions/" + sessionId).body());
        assertEquals(1, stored.get("turn_count").asInt());
        assertEquals(text, stored.at("/turns/0/reply/content").asText());
    }

    @Test
    @Order(2)
    void shouldShowTheSameTurnLiveOnASecondPage() throws Exception {
        Assumptions.assumeTrue(sessionId != null, "needs the session of the first test");
        Chromium.Page second = browser.newPage(1280, 820);
        try {
            second.navigate(url("#/chat/" + sessionId));
            until(second, "the history on the second page",
                    "document.querySelectorAll('#transcript .turn[data-state=finished]').length === 1");
            until(second, "the live status settled", "['ws', 'http'].includes(document.body.dataset.live)");
            second.screenshot(SHOTS.resolve("02-chat-second-page-history.png"));
            boolean live = "ws".equals(page.evalString("document.body.dataset.live"))
                    && "ws".equals(second.evalString("document.body.dataset.live"));
            Assumptions.assumeTrue(live, "the node has no session WebSocket (/v1/sessions/{id}/ws) yet: "
                    + "the console fell back to HTTP, so a second page cannot follow a turn live");
            until(page, "both pages counted", "document.body.dataset.clients === '2'");

            send(page, "Tell me more", 48);
            String turn = "#transcript .turn:nth-of-type(2)";
            until(second, "the second turn on the second page",
                    "document.querySelectorAll('#transcript .turn').length === 2");
            until(second, "the second page's turn finished",
                    "document.querySelector(" + js(turn) + ").dataset.state === 'finished'");
            until(page, "the first page's turn finished",
                    "document.querySelector(" + js(turn) + ").dataset.state === 'finished'");
            String onFirst = reply(page, turn);
            String onSecond = reply(second, turn);
            assertTrue(onFirst != null && !onFirst.isEmpty(), "reply on the first page");
            assertEquals(onFirst, onSecond, "both pages show the same reply");
            assertEquals("Tell me more", second.evalString("document.querySelector(" + js(turn + " .msg.user")
                    + ").textContent.replace(/^user/, '')"));
            noBanner(second);
            second.screenshot(SHOTS.resolve("03-chat-second-page-live.png"));
            page.screenshot(SHOTS.resolve("04-chat-first-page-after-live-turn.png"));
        } finally {
            second.close();
        }
    }

    @Test
    @Order(3)
    void shouldDrawLiveMetrics() throws Exception {
        page.navigate(url("#/metrics"));
        until(page, "the metrics page", "document.body.dataset.page === 'metrics'");
        until(page, "two samples", "Number(document.getElementById('chart-tps').dataset.points) >= 1");
        // Generate while the page polls: the next interval's rate is above zero.
        var r = node.post("/v1/chat/completions", "{\"model\":\"demo\",\"max_tokens\":48,\"ignore_eos\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"metrics\"}]}");
        assertEquals(200, r.statusCode(), r.body());
        until(page, "tokens/s above zero", "Number(document.getElementById('chart-tps').dataset.max) > 0");
        until(page, "a TTFT sample", "Number(document.getElementById('chart-ttft').dataset.points) >= 1");
        until(page, "KV cells in use", "Number(document.getElementById('chart-kv').dataset.max) > 0");
        // The line is drawn: the canvas has pixels of the line's colour.
        Object blue = page.eval("(() => { const c = document.getElementById('chart-tps');"
                + " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
                + " for (let i = 0; i < d.length; i += 4) if (d[i] < 80 && d[i + 1] > 80 && d[i + 1] < 130 && d[i + 2] > 200 && d[i + 3] > 200) n++;"
                + " return n; })()");
        assertTrue(((Number) blue).intValue() > 5, "line pixels on the tokens/s chart: " + blue);
        noBanner(page);
        page.screenshot(SHOTS.resolve("05-metrics.png"));
    }

    @Test
    @Order(4)
    void shouldShowModelsAndUnloadAndLoadThem() throws Exception {
        page.navigate(url("#/models"));
        String row = "#models-table tr[data-model=demo]";
        until(page, "the model listed as loaded",
                "document.querySelector(" + js(row + " .status") + ")?.textContent === 'loaded'");
        until(page, "the memory budget and the model's share shown",
                "/Memory budget: [0-9,]+ MiB; held by models: [0-9,]+ MiB .*demo [0-9,]+ MiB/"
                        + ".test(document.getElementById('memory').textContent)");
        page.screenshot(SHOTS.resolve("06-models.png"));
        page.eval("[...document.querySelectorAll(" + js(row + " button") + ")].find(b => b.textContent === 'Unload').click()");
        until(page, "the model unloaded", "document.querySelector(" + js(row + " .status") + ")?.textContent === 'available'");
        page.eval("[...document.querySelectorAll(" + js(row + " button") + ")].find(b => b.textContent === 'Load').click()");
        until(page, "the model loaded again", "document.querySelector(" + js(row + " .status") + ")?.textContent === 'loaded'");
        noBanner(page);
        page.screenshot(SHOTS.resolve("07-models-after-reload.png"));
    }

    @Test
    @Order(5)
    void shouldShowKeyErrorsAndRefuseAdminActionsWithoutAnAdminKey() throws Exception {
        Path gatewayDir = Files.createTempDirectory("console-gateway-");
        try (TestNode keyed = TestNode.withGateway(TestNode.tinyModel("demo", 1, 512, 4), "", gatewayDir,
                SessionSettings.defaults(gatewayDir.resolve("sessions")))) {
            var user = keyed.gateway.keys().create("app", GatewayHttpTest.INFERENCE,
                    io.edgenode.server.gateway.KeyLimits.NONE);
            Chromium.Page p = browser.newPage(1280, 820);
            try {
                // The console itself loads without a key; its first API call shows the node's 401.
                p.navigate(keyed.uri("/").toString() + "#/models");
                String banner = "document.getElementById('banner').hidden ? '' : document.getElementById('banner-text').textContent";
                Eventually.until(WAIT, "the 401 shown", () -> p.evalString(banner).contains("401"));
                assertTrue(p.evalString(banner).contains("API key"), p.evalString(banner));

                // An inference key: models are listed, /metrics and admin actions are refused, and said so.
                p.eval("document.getElementById('api-key').value = " + js(user.secret()) + ";"
                        + "document.getElementById('key-form').requestSubmit()");
                String row = "#models-table tr[data-model=demo]";
                until(p, "the model listed with the key", "document.querySelector(" + js(row + " .status")
                        + ")?.textContent === 'loaded'");
                until(p, "the /metrics refusal shown", "document.getElementById('memory').textContent.includes('403')");
                p.eval("[...document.querySelectorAll(" + js(row + " button") + ")].find(b => b.textContent === 'Unload').click()");
                Eventually.until(WAIT, "the admin refusal shown on the row", () -> p.evalTrue(
                        "(document.querySelector(" + js(row + " [data-error]") + ")?.textContent || '').includes('403')"));
                assertTrue(p.evalString(banner).startsWith("Unloading demo: 403"), p.evalString(banner));
                assertEquals("loaded", p.evalString("document.querySelector(" + js(row + " .status") + ").textContent"));
                p.screenshot(SHOTS.resolve("08-models-without-admin-key.png"));
            } finally {
                p.close();
            }
        } finally {
            try (var s = Files.walk(gatewayDir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Test
    @Order(6)
    void shouldRunWithoutScriptErrorsOrPolicyViolations() {
        Assumptions.assumeTrue(browser != null);
        // A node without the session WebSocket makes the browser log the failed handshake: expected.
        List<String> problems = browser.problems().stream()
                .filter(p -> !(p.contains("WebSocket connection to") && p.contains("/ws")))
                // the keyed node's refusals (401, 403) are logged by the browser as failed loads: expected
                .filter(p -> !(p.startsWith("log.network:") && (p.contains("401") || p.contains("403"))))
                .toList();
        assertEquals(List.of(), problems);
    }
}
