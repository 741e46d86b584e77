package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The console's static files: what is served, with which headers, and what never is. */
class ConsoleFilesTest {
    /** The console's ES modules: app.js, loaded by index.html, and those it imports. */
    private static final List<String> SCRIPTS = List.of("/console/app.js", "/console/api.js", "/console/dom.js",
            "/console/chat.js", "/console/transcript.js", "/console/models.js", "/console/metrics.js");

    private final ConsoleFiles files = ConsoleFiles.fromClasspath();

    private FullHttpResponse get(String path) {
        return files.respond(HttpMethod.GET, path, EmptyHttpHeaders.INSTANCE);
    }

    private static String body(FullHttpResponse r) {
        try {
            return new String(ByteBufUtil.getBytes(r.content()), StandardCharsets.UTF_8);
        } finally {
            r.release();
        }
    }

    @Test
    void shouldServeTheIndexAtTheRootAndUnderConsole() throws Exception {
        FullHttpResponse root = get("/");
        assertEquals(200, root.status().code());
        assertEquals("text/html; charset=utf-8", root.headers().get(HttpHeaderNames.CONTENT_TYPE));
        String html = body(root);
        assertTrue(html.contains("<script type=\"module\" src=\"/console/app.js\"></script>"), html);
        byte[] expected;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("io/edgenode/server/console/index.html")) {
            expected = in.readAllBytes();
        }
        assertEquals(new String(expected, StandardCharsets.UTF_8), html);
        assertEquals(html, body(get("/console/index.html")));
    }

    @Test
    void shouldGiveEachFileItsContentTypeAndLength() {
        List<List<String>> cases = new ArrayList<>();
        for (String script : SCRIPTS) {
            cases.add(List.of(script, "text/javascript; charset=utf-8")); // browsers refuse a module of another type
        }
        cases.add(List.of("/console/app.css", "text/css; charset=utf-8"));
        for (var c : cases) {
            FullHttpResponse r = get(c.get(0));
            assertEquals(200, r.status().code(), c.get(0));
            assertEquals(c.get(1), r.headers().get(HttpHeaderNames.CONTENT_TYPE));
            assertEquals(r.content().readableBytes(), r.headers().getInt(HttpHeaderNames.CONTENT_LENGTH));
            assertTrue(r.content().readableBytes() > 100);
            r.release();
        }
    }

    @Test
    void shouldSendNoCacheAStrictPolicyAndAnEtag() {
        FullHttpResponse r = get("/console/app.js");
        var h = r.headers();
        assertEquals("no-cache", h.get(HttpHeaderNames.CACHE_CONTROL));
        String csp = h.get(HttpHeaderNames.CONTENT_SECURITY_POLICY);
        assertTrue(csp.startsWith("default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:"), csp);
        assertFalse(csp.contains("unsafe"), csp);
        assertEquals("nosniff", h.get("X-Content-Type-Options"));
        String etag = h.get(HttpHeaderNames.ETAG);
        assertTrue(etag.matches("\"[0-9a-f]{32}\""), etag);
        r.release();
        assertFalse(etag.equals(get("/console/app.css").headers().get(HttpHeaderNames.ETAG)), "one tag per file");
    }

    @Test
    void shouldAnswer304WhenTheEtagMatches() {
        String etag = get("/").headers().get(HttpHeaderNames.ETAG);
        for (String ifNoneMatch : List.of(etag, "\"other\", " + etag, "W/" + etag, "*")) {
            FullHttpResponse r = files.respond(HttpMethod.GET, "/",
                    new DefaultHttpHeaders().set(HttpHeaderNames.IF_NONE_MATCH, ifNoneMatch));
            assertEquals(304, r.status().code(), ifNoneMatch);
            assertEquals(0, r.content().readableBytes());
            assertEquals(etag, r.headers().get(HttpHeaderNames.ETAG));
            assertEquals("no-cache", r.headers().get(HttpHeaderNames.CACHE_CONTROL));
        }
        FullHttpResponse stale = files.respond(HttpMethod.GET, "/",
                new DefaultHttpHeaders().set(HttpHeaderNames.IF_NONE_MATCH, "\"0123\""));
        assertEquals(200, stale.status().code());
        stale.release();
    }

    @Test
    void shouldServeNothingButItsOwnFiles() {
        for (String path : List.of("/console", "/console/", "/console/missing.js", "/console/../ConsoleFiles.class",
                "/console/%2e%2e/app.js", "/console//app.js", "/index.html", "/app.js", "/console/app.js/x",
                "/v1/models", "/console/APP.JS")) {
            assertNull(get(path), path);
            assertFalse(files.handles(path), path);
            assertFalse(ConsoleFiles.isConsolePath(path), path);
        }
        List<String> served = new ArrayList<>(List.of("/", "/console/index.html", "/console/app.css"));
        served.addAll(SCRIPTS);
        for (String path : served) {
            assertTrue(files.handles(path), path);
            assertTrue(ConsoleFiles.isConsolePath(path), path);
        }
    }

    @Test
    void shouldServeEveryModuleTheScriptsImport() {
        // A module missing from ConsoleFiles' list would 404 and stop the whole console loading.
        Pattern from = Pattern.compile("from '\\./([a-z-]+\\.js)'");
        Set<String> imported = new TreeSet<>();
        for (String script : SCRIPTS) {
            Matcher m = from.matcher(body(get(script)));
            while (m.find()) {
                imported.add(ConsoleFiles.PREFIX + m.group(1));
            }
        }
        assertEquals(new TreeSet<>(SCRIPTS.subList(1, SCRIPTS.size())), imported, "imported modules");
    }

    @Test
    void shouldRefuseMethodsOtherThanGetAndHead() {
        FullHttpResponse head = files.respond(HttpMethod.HEAD, "/console/app.css", EmptyHttpHeaders.INSTANCE);
        assertEquals(200, head.status().code()); // the codec drops a HEAD response's body
        head.release();
        FullHttpResponse post = files.respond(HttpMethod.POST, "/", EmptyHttpHeaders.INSTANCE);
        assertEquals(405, post.status().code());
        assertEquals("GET, HEAD", post.headers().get(HttpHeaderNames.ALLOW));
        assertTrue(body(post).contains("\"error\""));
    }

    @Test
    void shouldLeaveTheConsoleOutsideKeyChecks() {
        assertNull(EndpointGroups.of("/"));
        for (String script : SCRIPTS) {
            assertNull(EndpointGroups.of(script), script);
        }
        assertNotNull(EndpointGroups.of("/console/other.js"));
        assertNotNull(EndpointGroups.of("/v1/models"));
    }

    @Test
    void shouldFailAtStartWhenAFileIsMissing() {
        ClassLoader empty = new ClassLoader(null) { };
        assertThrows(IllegalStateException.class, () -> ConsoleFiles.load(empty));
    }

    @Test
    void shouldReferenceNothingOutsideTheNode() {
        // Offline and CSP-clean: no CDN, no inline handlers or styles the policy would block.
        List<String> paths = new ArrayList<>(List.of("/", "/console/app.css"));
        paths.addAll(SCRIPTS);
        for (String path : paths) {
            String text = body(get(path));
            assertFalse(text.contains("http://") || text.contains("https://"), path + " links outside the node");
            assertFalse(text.matches("(?s).*\\son[a-z]+=\".*"), path + " has an inline event handler");
            assertFalse(text.contains("style=\""), path + " has an inline style");
            assertFalse(text.contains("<script>"), path + " has an inline script");
        }
    }
}
