package io.edgenode.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.session.SessionStoreException.Kind;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state operations every writer uses (HTTP, WebSockets), on a real SQLite store. */
class SessionStatesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private SqliteSessionStore store;
    private SessionStates states;

    @BeforeEach
    void open() throws Exception {
        store = SqliteSessionStore.open(dir, new TestClock(1_700_000_000_000L));
        store.create(new NewSession("s", "demo", null, Map.of(), 0));
        states = new SessionStates(() -> store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    @Test
    void shouldPutThenMergePatchTheDocument() throws Exception {
        SessionState v1 = states.put("s", json("{\"user\":{\"name\":\"Ada\",\"age\":36},\"n\": 1}"), 0);
        SessionState v2 = states.patch("s", json("{\"user\":{\"age\":null,\"lang\":\"en\"},\"n\":2}"), 1);

        assertEquals("{\"user\":{\"name\":\"Ada\",\"age\":36},\"n\":1}", v1.json(), "stored compact");
        assertEquals(2, v2.version());
        assertEquals(json("{\"user\":{\"name\":\"Ada\",\"lang\":\"en\"},\"n\":2}"), states.document(v2));
        assertEquals(v2, states.get("s"));
    }

    @Test
    void shouldRefuseAStalePatchWithTheCurrentVersion() throws Exception {
        states.put("s", json("{\"a\":1}"), -1);

        SessionStoreException e = assertThrows(SessionStoreException.class,
                () -> states.patch("s", json("{\"a\":2}"), 0));

        assertEquals(Kind.STALE_VERSION, e.kind());
        assertEquals(1, e.currentVersion());
        assertEquals("{\"a\":1}", states.get("s").json());
    }

    @Test
    void shouldRefuseNonObjectsTooLargeAndTooDeepDocuments() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> states.put("s", json("[1]"), -1));
        assertThrows(IllegalArgumentException.class, () -> states.patch("s", json("\"x\""), -1));
        ObjectNode big = JSON.createObjectNode().put("t", "x".repeat(SessionState.MAX_JSON_BYTES));
        assertThrows(StateTooLargeException.class, () -> states.put("s", big, -1));
        ObjectNode deep = JSON.createObjectNode();
        ObjectNode at = deep;
        for (int i = 0; i < 100; i++) {
            at = at.putObject("d");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> states.put("s", deep, -1));
        assertTrue(e.getMessage().contains("nesting"), e.getMessage());
        assertEquals(0, states.get("s").version(), "nothing was written");
    }

    @Test
    void shouldRefuseAPatchWhoseResultIsTooLarge() throws Exception {
        String half = "x".repeat(SessionState.MAX_JSON_BYTES / 2);
        states.put("s", JSON.createObjectNode().put("a", half), -1);

        assertThrows(StateTooLargeException.class,
                () -> states.patch("s", JSON.createObjectNode().put("b", half), -1));
        assertEquals(1, states.get("s").version());
    }
}
