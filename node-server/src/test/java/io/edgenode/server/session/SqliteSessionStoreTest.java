package io.edgenode.server.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.server.session.SessionStoreException.Kind;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded session store against real SQLite files: contract, migrations, durability and failures. */
class SqliteSessionStoreTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(T0);
    private SqliteSessionStore store;

    @BeforeEach
    void open() throws SessionStoreException {
        store = SqliteSessionStore.open(dir.resolve("data"), clock);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private Path dataDir() {
        return dir.resolve("data");
    }

    private static NewSession newSession(String id) {
        return new NewSession(id, "demo", null, Map.of(), 0);
    }

    private static List<SessionMessage> user(String text) {
        return List.of(new SessionMessage("user", text));
    }

    private Session append(String id, String reply, Continuation c) throws SessionStoreException {
        return store.appendTurn(id, user("q: " + reply), reply, 10, 5, 2, "stop", c);
    }

    // ---- create, get, list ----

    @Test
    void shouldCreateAndGetASessionWithItsHeader() throws Exception {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("user", "u-42");
        metadata.put("app", "docs");
        Session created = store.create(new NewSession("chat-1", "demo", "You are terse.", metadata, 60_000));

        assertEquals(new Session("chat-1", "demo", "You are terse.", metadata, T0, T0, T0 + 60_000, 0, 0, 0), created);
        assertEquals(Optional.of(created), store.get("chat-1"));
        assertEquals(List.of("user", "app"), List.copyOf(store.get("chat-1").orElseThrow().metadata().keySet()),
                "metadata keeps the client's order");
        assertEquals(Optional.empty(), store.get("chat-2"));
        assertEquals(List.of(), store.turns("chat-1"));
        assertEquals(Optional.empty(), store.continuation("chat-1"));
    }

    @Test
    void shouldGenerateAnIdWhenTheClientGivesNone() throws Exception {
        Session a = store.create(newSession(null));
        Session b = store.create(newSession(null));

        assertTrue(a.id().matches("sess_[A-Za-z0-9]{24}"), a.id());
        assertNotEquals(a.id(), b.id());
        assertEquals(Optional.of(a), store.get(a.id()));
    }

    @Test
    void shouldRefuseAnExistingIdWithConflictAndKeepTheFirstSession() throws Exception {
        Session first = store.create(new NewSession("dup", "demo", "first", Map.of(), 0));
        append("dup", "one", null);

        SessionStoreException e = assertThrows(SessionStoreException.class,
                () -> store.create(new NewSession("dup", "other", "second", Map.of(), 0)));

        assertEquals(Kind.CONFLICT, e.kind());
        assertEquals("session 'dup' already exists", e.getMessage());
        assertEquals("first", store.get("dup").orElseThrow().systemPrompt());
        assertEquals(1, store.turns("dup").size());
        assertEquals(first.createdAtMillis(), store.get("dup").orElseThrow().createdAtMillis());
    }

    @Test
    void shouldRejectInvalidIdsMetadataAndTtlWithClearMessages() {
        assertInvalid("session id must not be empty", newSession(""));
        assertInvalid("session id 'a/b' may only contain letters, digits and the characters . _ : -", newSession("a/b"));
        assertInvalid("session id 'a b' may only contain letters, digits and the characters . _ : -", newSession("a b"));
        assertInvalid("session id is 129 characters long; at most 128 are allowed", newSession("x".repeat(129)));
        Map<String, String> tooMany = new LinkedHashMap<>();
        IntStream.range(0, 17).forEach(i -> tooMany.put("k" + i, "v"));
        assertInvalid("metadata has 17 keys; at most 16 are allowed", new NewSession("s", "demo", null, tooMany, 0));
        assertInvalid("metadata key 'kkkkkkkkkkkkkkkk...' is 65 characters long; at most 64 are allowed",
                new NewSession("s", "demo", null, Map.of("k".repeat(65), "v"), 0));
        assertInvalid("metadata value of key 'k' is 513 characters long; at most 512 are allowed",
                new NewSession("s", "demo", null, Map.of("k", "v".repeat(513)), 0));
        assertInvalid("ttl must not be negative, got -1 ms", new NewSession("s", "demo", null, Map.of(), -1));
        assertInvalid("model must not be empty", new NewSession("s", " ", null, Map.of(), 0));
        Map<String, String> nullValue = new LinkedHashMap<>();
        nullValue.put("k", null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NewSession("s", "demo", null, nullValue, 0));
        assertEquals("metadata value of key 'k' must be a string, not null", e.getMessage());

        // The limits themselves are allowed.
        Map<String, String> full = new LinkedHashMap<>();
        IntStream.range(0, 16).forEach(i -> full.put(String.format("k%02d", i) + "x".repeat(61), "v".repeat(512)));
        String longId = "a.B_c:d-".repeat(16);
        assertEquals(longId, assertDoesNotThrowStore(() -> store.create(new NewSession(longId, "demo", null, full, 0))).id());
    }

    private void assertInvalid(String message, NewSession s) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.create(s));
        assertEquals(message, e.getMessage());
    }

    private interface StoreCall<T> {
        T call() throws SessionStoreException;
    }

    private static <T> T assertDoesNotThrowStore(StoreCall<T> call) {
        try {
            return call.call();
        } catch (SessionStoreException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void shouldListSessionsInThreePagesOrderedByCreationThenId() throws Exception {
        // Pairs share a creation millisecond, so the id decides their order.
        for (String id : List.of("m", "c", "x", "a", "k", "b", "z")) {
            store.create(newSession(id));
            if (!id.equals("m") && !id.equals("x") && !id.equals("k")) {
                clock.advance(1);
            }
        }
        // created at T0: m, c; T0+1: x, a; T0+2: k, b; T0+3: z
        List<String> expected = List.of("c", "m", "a", "x", "b", "k", "z");

        SessionPage p1 = store.list(null, 3);
        SessionPage p2 = store.list(p1.lastId(), 3);
        SessionPage p3 = store.list(p2.lastId(), 3);

        assertEquals(List.of("c", "m", "a"), ids(p1));
        assertTrue(p1.hasMore());
        assertEquals("a", p1.lastId());
        assertEquals(List.of("x", "b", "k"), ids(p2));
        assertTrue(p2.hasMore());
        assertEquals(List.of("z"), ids(p3));
        assertFalse(p3.hasMore());
        assertEquals("z", p3.lastId());
        List<String> all = new ArrayList<>(ids(p1));
        all.addAll(ids(p2));
        all.addAll(ids(p3));
        assertEquals(expected, all);
        assertEquals(p2, store.list("a", 3), "the same cursor gives the same page");

        SessionPage empty = store.list("z", 3);
        assertEquals(List.of(), empty.sessions());
        assertFalse(empty.hasMore());
        assertNull(empty.lastId());
        assertEquals(expected, ids(store.list(null, 100)));
    }

    @Test
    void shouldRejectAnOutOfRangeLimitAndAnUnknownCursor() {
        assertEquals("limit must be between 1 and 100, got 0",
                assertThrows(IllegalArgumentException.class, () -> store.list(null, 0)).getMessage());
        assertEquals("limit must be between 1 and 100, got 101",
                assertThrows(IllegalArgumentException.class, () -> store.list(null, 101)).getMessage());
        assertEquals("unknown session id 'gone' for 'after': it may have been deleted; list from the start",
                assertThrows(IllegalArgumentException.class, () -> store.list("gone", 10)).getMessage());
    }

    private static List<String> ids(SessionPage page) {
        return page.sessions().stream().map(Session::id).toList();
    }

    // ---- turns and continuations ----

    @Test
    void shouldAppendTurnsWithTheNextIndexAndRunningTotals() throws Exception {
        store.create(newSession("s"));
        clock.advance(100);
        Session after1 = store.appendTurn("s", List.of(new SessionMessage("system", "be brief"),
                new SessionMessage("user", "hi")), "hello!", 12, 3, 0, "stop", null);
        clock.advance(100);
        Session after2 = store.appendTurn("s", user("and?"), "more", 20, 7, 12, "length", null);

        assertEquals(1, after1.turnCount());
        assertEquals(new Session("s", "demo", null, Map.of(), T0, T0 + 200, 0, 2, 32, 10), after2);
        assertEquals(Optional.of(after2), store.get("s"));
        assertEquals(List.of(
                new Turn(0, List.of(new SessionMessage("system", "be brief"), new SessionMessage("user", "hi")),
                        "hello!", 12, 3, 0, "stop", T0 + 100),
                new Turn(1, user("and?"), "more", 20, 7, 12, "length", T0 + 200)), store.turns("s"));
    }

    @Test
    void shouldKeepToolCallsAndToolResultsOfATurnsInputAndReadRowsWrittenBeforeThem() throws Exception {
        store.create(newSession("s"));
        var call = new io.edgenode.core.chat.ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}");
        List<SessionMessage> input = List.of(new SessionMessage("assistant", null, List.of(call), null),
                new SessionMessage("tool", "18C", List.of(), "call_1"));
        store.appendTurn("s", input, "It is 18C.", 30, 5, 0, "stop", null);
        assertEquals(input, store.turns("s").getFirst().input());
        assertEquals(io.edgenode.core.chat.ChatMessage.assistantCalls(null, List.of(call)), input.get(0).toChat());
        assertEquals(io.edgenode.core.chat.ChatMessage.toolResult("call_1", "18C"), input.get(1).toChat());
        // plain messages are stored as before (role and content only), and such rows read back as plain messages
        SessionRows rows = new SessionRows();
        assertEquals("[{\"role\":\"user\",\"content\":\"hi\"}]", rows.toJson(List.of(new SessionMessage("user", "hi"))));
        assertEquals(List.of(new SessionMessage("user", "hi")), rows.messages("[{\"role\":\"user\",\"content\":\"hi\"}]"));
    }

    @Test
    void shouldReplaceTheContinuationOnEveryTurnWithTokensExactlyAsGiven() throws Exception {
        store.create(newSession("s"));
        int[] tokens = {0, 1, -1, 127, 128, 255, 256, 65_535, 65_536, Integer.MAX_VALUE, Integer.MIN_VALUE, 31_999};
        append("s", "one", new Continuation("demo", tokens, "text ✓ one"));

        Continuation stored = store.continuation("s").orElseThrow();
        assertArrayEquals(tokens, stored.tokens());
        assertEquals("text ✓ one", stored.text());
        assertEquals("demo", stored.modelId());

        int[] longer = IntStream.range(0, 4096).map(i -> i * 7919).toArray();
        append("s", "two", new Continuation("demo-2", longer, "two"));
        assertEquals(new Continuation("demo-2", longer, "two"), store.continuation("s").orElseThrow());

        append("s", "three", new Continuation("demo", new int[0], ""));
        assertArrayEquals(new int[0], store.continuation("s").orElseThrow().tokens());

        append("s", "four", null);
        assertEquals(Optional.empty(), store.continuation("s"), "a null continuation clears the stored one");
    }

    @Test
    void shouldReportAnUnknownSessionAsNotFound() {
        SessionStoreException e = assertThrows(SessionStoreException.class, () -> append("nope", "x", null));
        assertEquals(Kind.NOT_FOUND, e.kind());
        assertEquals("no session 'nope'", e.getMessage());
        assertEquals(Kind.NOT_FOUND, assertThrows(SessionStoreException.class, () -> store.turns("nope")).kind());
    }

    @Test
    void shouldRejectNegativeTokenCounts() throws Exception {
        store.create(newSession("s"));
        assertThrows(IllegalArgumentException.class,
                () -> store.appendTurn("s", user("x"), "y", -1, 0, 0, "stop", null));
        assertEquals(0, store.get("s").orElseThrow().turnCount());
    }

    @Test
    void shouldGiveConcurrentAppendsDistinctConsecutiveIndexes() throws Exception {
        store.create(newSession("s"));
        int n = 40;
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Session>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String reply = "r" + i;
                results.add(threads.submit(() -> store.appendTurn("s", user(reply), reply, 1, 1, 0, "stop", null)));
            }
            Set<Integer> counts = new HashSet<>();
            for (Future<Session> f : results) {
                counts.add(f.get(60, TimeUnit.SECONDS).turnCount());
            }
            assertEquals(n, counts.size(), "every append saw a distinct turn count");
        }
        List<Turn> turns = store.turns("s");
        assertEquals(IntStream.range(0, n).boxed().toList(), turns.stream().map(Turn::index).toList());
        assertEquals(n, turns.stream().map(Turn::reply).distinct().count());
        Session s = store.get("s").orElseThrow();
        assertEquals(n, s.turnCount());
        assertEquals(n, s.promptTokens());
    }

    // ---- expiry ----

    @Test
    void shouldSlideTheExpiryOnEveryTurn() throws Exception {
        assertEquals(T0 + 1_000, store.create(new NewSession("s", "demo", null, Map.of(), 1_000)).expiresAtMillis());
        clock.advance(900);
        assertEquals(T0 + 1_900, append("s", "a", null).expiresAtMillis());
        clock.advance(900);
        assertTrue(store.get("s").isPresent(), "the turn kept it alive past its first deadline");
        assertEquals(T0 + 1_900, store.get("s").orElseThrow().expiresAtMillis());
    }

    @Test
    void shouldTreatAnExpiredSessionAsGoneBeforeItIsSwept() throws Exception {
        store.create(new NewSession("short", "demo", null, Map.of(), 1_000));
        clock.advance(1);
        store.create(newSession("forever"));
        append("short", "a", new Continuation("demo", new int[] {1}, "x"));
        clock.advance(1_000);

        assertEquals(Optional.empty(), store.get("short"));
        assertEquals(Optional.empty(), store.continuation("short"));
        assertEquals(Kind.NOT_FOUND, assertThrows(SessionStoreException.class, () -> store.turns("short")).kind());
        assertEquals(Kind.NOT_FOUND, assertThrows(SessionStoreException.class, () -> append("short", "b", null)).kind());
        assertEquals(List.of("forever"), ids(store.list(null, 10)));
        assertEquals(List.of("forever"), ids(store.list("short", 10)), "an expired page boundary still works");
    }

    @Test
    void shouldDeleteOnlyExpiredSessionsAndReturnTheirIds() throws Exception {
        store.create(new NewSession("a", "demo", null, Map.of(), 100));   // expires T0+100
        store.create(new NewSession("b", "demo", null, Map.of(), 1_000)); // expires T0+1000
        store.create(newSession("c"));                                    // never
        store.create(new NewSession("d", "demo", null, Map.of(), 100));
        store.create(new NewSession("e", "demo", null, Map.of(), 50));    // expires T0+50
        append("a", "turn", null);                                        // a has turns: they go too
        clock.advance(60);
        append("d", "slides", null);                                      // d now expires T0+160

        assertEquals(List.of(), store.deleteExpired(T0 + 49, 10));
        assertEquals(List.of("e", "a"), store.deleteExpired(T0 + 100, 10), "oldest expiry first, inclusive bound");
        assertEquals(List.of(), store.deleteExpired(T0 + 100, 10));
        assertEquals(List.of("d"), store.deleteExpired(T0 + 999, 1));
        assertEquals(List.of("b"), store.deleteExpired(Long.MAX_VALUE, 10));
        assertEquals(Optional.empty(), store.get("a"));
        assertTrue(store.get("c").isPresent(), "a session without ttl never expires");
        assertEquals(0, countRows("turns"), "the expired sessions' turns are gone with them");
        assertEquals(1, countRows("sessions"));
    }

    // ---- delete ----

    @Test
    void shouldDeleteASessionWithItsTurns() throws Exception {
        store.create(newSession("s"));
        store.create(newSession("other"));
        append("s", "1", new Continuation("demo", new int[] {5}, "x"));
        append("s", "2", null);
        append("other", "kept", null);

        assertTrue(store.delete("s"));

        assertEquals(Optional.empty(), store.get("s"));
        assertEquals(1, countRows("turns"), "only the other session's turn is left");
        assertFalse(store.delete("s"));
        store.create(newSession("s"));
        assertEquals(List.of(), store.turns("s"), "a new session under a deleted id starts empty");
        assertEquals(1, store.turns("other").size());
    }

    // ---- migrations ----

    @Test
    void shouldNotMigrateACurrentDatabaseAgain() throws Exception {
        store.create(newSession("s"));
        append("s", "kept", null);
        store.close();
        int latest = SchemaMigrations.latestVersion(SchemaMigrations.ALL);

        store = SqliteSessionStore.open(dataDir(), clock);

        assertEquals(latest, store.schemaVersion());
        assertEquals("kept", store.turns("s").getFirst().reply());
        try (Connection c = rawConnection()) {
            assertEquals(0, SchemaMigrations.migrate(c, SchemaMigrations.ALL, "test"), "nothing left to apply");
            assertEquals(latest, SchemaMigrations.currentVersion(c));
        }
    }

    @Test
    void shouldApplyOnlyTheNewStepsToAnOlderDatabase() throws Exception {
        store.create(newSession("s"));
        store.close();
        int next = SchemaMigrations.latestVersion(SchemaMigrations.ALL) + 1;
        List<SchemaMigrations.Migration> withV2 = new ArrayList<>(SchemaMigrations.ALL);
        withV2.add(new SchemaMigrations.Migration(next, "test column",
                List.of("ALTER TABLE sessions ADD COLUMN note TEXT NOT NULL DEFAULT 'v2'")));

        store = SqliteSessionStore.open(dataDir(), clock, withV2, 1_000);

        assertEquals(next, store.schemaVersion());
        assertTrue(store.get("s").isPresent());
        try (Connection c = rawConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT note FROM sessions WHERE id = 's'")) {
            assertTrue(rs.next());
            assertEquals("v2", rs.getString(1));
        }
    }

    @Test
    void shouldRollBackAFailedMigrationAndKeepTheData() throws Exception {
        store.create(newSession("s"));
        store.close();
        int latest = SchemaMigrations.latestVersion(SchemaMigrations.ALL);
        List<SchemaMigrations.Migration> broken = new ArrayList<>(SchemaMigrations.ALL);
        broken.add(new SchemaMigrations.Migration(latest + 1, "half broken", List.of(
                "CREATE TABLE extra (x INTEGER)", "THIS IS NOT SQL")));

        SessionStoreException e = assertThrows(SessionStoreException.class,
                () -> SqliteSessionStore.open(dataDir(), clock, broken, 1_000));

        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("migration to schema version " + (latest + 1) + " (half broken) failed"),
                e.getMessage());
        store = SqliteSessionStore.open(dataDir(), clock);
        assertEquals(latest, store.schemaVersion());
        assertTrue(store.get("s").isPresent());
        assertEquals(0, countRows("sqlite_master WHERE name = 'extra'"), "the step's first statement was rolled back");
    }

    @Test
    void shouldRefuseADatabaseFromANewerVersion() throws Exception {
        store.close();
        try (Connection c = rawConnection(); Statement st = c.createStatement()) {
            st.execute("PRAGMA user_version = 99");
        }
        SessionStoreException e = assertThrows(SessionStoreException.class,
                () -> SqliteSessionStore.open(dataDir(), clock));
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("has schema version 99, newer than this edgenode knows ("
                + SchemaMigrations.latestVersion(SchemaMigrations.ALL) + ")"), e.getMessage());
    }

    // ---- state documents ----

    @Test
    void shouldGiveAFreshSessionVersionZeroAndAnEmptyDocument() throws Exception {
        store.create(newSession("s"));

        SessionState st = store.state("s");

        assertEquals(new SessionState("s", 0, "{}", 0), st);
    }

    @Test
    void shouldBumpTheVersionOnEveryWrite() throws Exception {
        store.create(newSession("s"));
        clock.advance(1_000);

        SessionState v1 = store.updateState("s", 0, doc -> "{\"a\":1}");
        SessionState v2 = store.updateState("s", -1, doc -> doc.replace("}", ",\"b\":2}"));

        assertEquals(new SessionState("s", 1, "{\"a\":1}", T0 + 1_000), v1);
        assertEquals(2, v2.version());
        assertEquals("{\"a\":1,\"b\":2}", v2.json());
        assertEquals(v2, store.state("s"));
    }

    @Test
    void shouldRefuseAStaleVersionAndWriteNothing() throws Exception {
        store.create(newSession("s"));
        store.updateState("s", 0, doc -> "{\"a\":1}");
        boolean[] called = {false};

        SessionStoreException e = assertThrows(SessionStoreException.class,
                () -> store.updateState("s", 0, doc -> {
                    called[0] = true;
                    return "{\"a\":2}";
                }));

        assertEquals(Kind.STALE_VERSION, e.kind());
        assertEquals(1, e.currentVersion());
        assertTrue(e.getMessage().contains("version 1"), e.getMessage());
        assertFalse(called[0], "the change is not computed for a stale version");
        assertEquals(new SessionState("s", 1, "{\"a\":1}", T0), store.state("s"));
    }

    @Test
    void shouldRefuseADocumentOver64KibAndKeepTheOldOne() throws Exception {
        store.create(newSession("s"));
        store.updateState("s", 0, doc -> "{\"a\":1}");
        // 'é' is two bytes of UTF-8: 40,000 characters are 80,000 bytes although under 64 Ki characters.
        String big = "{\"t\":\"" + "é".repeat(40_000) + "\"}";

        StateTooLargeException e = assertThrows(StateTooLargeException.class,
                () -> store.updateState("s", 1, doc -> big));

        assertEquals(big.getBytes(java.nio.charset.StandardCharsets.UTF_8).length, e.bytes());
        assertEquals(1, store.state("s").version());
        String justFits = "{\"t\":\"" + "x".repeat(SessionState.MAX_JSON_BYTES - 8) + "\"}";
        assertEquals(SessionState.MAX_JSON_BYTES, justFits.length());
        assertEquals(2, store.updateState("s", 1, doc -> justFits).version());
    }

    @Test
    void shouldRefuseANonObjectAndAnUnknownSession() throws Exception {
        store.create(newSession("s"));

        assertThrows(IllegalArgumentException.class, () -> store.updateState("s", 0, doc -> "[1]"));
        assertEquals(0, store.state("s").version());
        assertEquals(Kind.NOT_FOUND, assertThrows(SessionStoreException.class, () -> store.state("nope")).kind());
        assertEquals(Kind.NOT_FOUND,
                assertThrows(SessionStoreException.class, () -> store.updateState("nope", -1, d -> "{}")).kind());
    }

    @Test
    void shouldHideTheStateOfAnExpiredSession() throws Exception {
        store.create(new NewSession("s", "demo", null, Map.of(), 1_000));
        clock.advance(1_001);

        assertEquals(Kind.NOT_FOUND, assertThrows(SessionStoreException.class, () -> store.state("s")).kind());
    }

    @Test
    void shouldKeepTheStateAcrossReopeningAndDeleteItWithTheSession() throws Exception {
        store.create(newSession("s"));
        store.updateState("s", 0, doc -> "{\"user\":{\"name\":\"Ada\"}}");
        store.close();

        store = SqliteSessionStore.open(dataDir(), clock);

        assertEquals(new SessionState("s", 1, "{\"user\":{\"name\":\"Ada\"}}", T0), store.state("s"));
        assertTrue(store.delete("s"));
        store.create(newSession("s"));
        assertEquals(SessionState.initial("s"), store.state("s"), "a new session of the same id starts empty");
    }

    @Test
    void shouldSerializeConcurrentConditionalWrites() throws Exception {
        store.create(newSession("s"));
        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        List<Future<Boolean>> writers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            writers.add(pool.submit(() -> {
                try {
                    store.updateState("s", 0, doc -> "{\"won\":true}");
                    return true;
                } catch (SessionStoreException e) {
                    assertEquals(Kind.STALE_VERSION, e.kind());
                    return false;
                }
            }));
        }
        int won = 0;
        for (Future<Boolean> w : writers) {
            won += w.get(30, TimeUnit.SECONDS) ? 1 : 0;
        }
        pool.shutdown();

        assertEquals(1, won, "exactly one write based on version 0 wins");
        assertEquals(1, store.state("s").version());
    }

    // ---- durability ----

    @Test
    void shouldRunInWalModeWithFullSyncForeignKeysAndABusyTimeout() throws Exception {
        assertEquals("wal", store.pragma("journal_mode"));
        assertEquals("2", store.pragma("synchronous"), "FULL: the WAL is fsynced on every commit");
        assertEquals("1", store.pragma("foreign_keys"));
        assertEquals(String.valueOf(SqliteSessionStore.DEFAULT_BUSY_TIMEOUT_MILLIS), store.pragma("busy_timeout"));
        assertEquals(dataDir().resolve("sessions.db").toAbsolutePath(), store.databaseFile());
    }

    @Test
    void shouldKeepEverythingAcrossCloseAndReopen() throws Exception {
        Session created = store.create(new NewSession("s", "demo", "sys", Map.of("k", "v"), 0));
        Session afterTurn = append("s", "persisted", new Continuation("demo", new int[] {9, 8, 7}, "t"));
        List<Turn> turns = store.turns("s");
        store.close();

        store = SqliteSessionStore.open(dataDir(), clock);

        assertEquals(Optional.of(afterTurn), store.get("s"));
        assertEquals(created.metadata(), store.get("s").orElseThrow().metadata());
        assertEquals(turns, store.turns("s"));
        assertArrayEquals(new int[] {9, 8, 7}, store.continuation("s").orElseThrow().tokens());
    }

    @Test
    void shouldKeepAnAcknowledgedTurnWhenTheProcessIsKilledRightAfter() throws Exception {
        store.create(newSession("s"));
        store.close();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), SessionStoreChildProcess.class.getName(),
                dataDir().toString(), "s", "survives SIGKILL")
                .redirectErrorStream(true)
                .start();
        try {
            CompletableFuture<List<String>> output = CompletableFuture.supplyAsync(() -> readUntilAck(child));
            List<String> lines = output.get(120, TimeUnit.SECONDS);
            assertEquals("ACK", lines.getLast(), "child output: " + lines);
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, child.exitValue(), "killed by SIGKILL, not exited on its own");
        } finally {
            child.destroyForcibly();
        }

        store = SqliteSessionStore.open(dataDir(), clock);

        List<Turn> turns = store.turns("s");
        assertEquals(1, turns.size());
        assertEquals("survives SIGKILL", turns.getFirst().reply());
        assertArrayEquals(new int[] {1, 2, 3}, store.continuation("s").orElseThrow().tokens());
        assertEquals(1, store.get("s").orElseThrow().turnCount());
    }

    private static List<String> readUntilAck(Process child) {
        List<String> lines = new ArrayList<>();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
                if (line.equals("ACK")) {
                    break;
                }
            }
        } catch (IOException e) {
            lines.add("(read failed: " + e + ")");
        }
        return lines;
    }

    // ---- failures ----

    @Test
    void shouldFailALockedWriteAsUnavailableAndKeepEarlierTurns() throws Exception {
        store.close();
        store = SqliteSessionStore.open(dataDir(), clock, SchemaMigrations.ALL, 200);
        store.create(newSession("s"));
        append("s", "before", null);

        try (Connection other = rawConnection(); Statement st = other.createStatement()) {
            st.execute("BEGIN IMMEDIATE"); // another writer holds the lock
            SessionStoreException e = assertThrows(SessionStoreException.class, () -> append("s", "blocked", null));
            assertEquals(Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("cannot append a turn: the database is locked by another process"),
                    e.getMessage());
            assertEquals(1, store.turns("s").size(), "reads still work while another process writes");
            st.execute("ROLLBACK");
        }

        assertEquals(List.of("before"), store.turns("s").stream().map(Turn::reply).toList());
        assertEquals(2, append("s", "after", null).turnCount(), "the store recovers once the lock is gone");
    }

    @Test
    void shouldFailToOpenAFileThatIsNotADatabase() throws Exception {
        Path other = dir.resolve("garbage");
        Files.createDirectories(other);
        Files.write(other.resolve(SqliteSessionStore.DB_FILE_NAME), "definitely not SQLite ".repeat(200).getBytes());

        SessionStoreException e = assertThrows(SessionStoreException.class, () -> SqliteSessionStore.open(other));

        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().contains("the file is corrupt or not a SQLite database"), e.getMessage());
        assertTrue(e.getMessage().contains(other.resolve("sessions.db").toString()), e.getMessage());
    }

    @Test
    void shouldFailEveryCallAfterCloseAsUnavailable() throws Exception {
        store.close();
        store.close(); // idempotent
        SessionStoreException e = assertThrows(SessionStoreException.class, () -> store.get("s"));
        assertEquals(Kind.UNAVAILABLE, e.kind());
        assertTrue(e.getMessage().endsWith("is closed"), e.getMessage());
    }

    @Test
    void shouldFailToOpenInAReadOnlyDirectory() throws Exception {
        Path readOnly = dir.resolve("ro");
        Files.createDirectories(readOnly);
        Permissions.makeReadOnly(readOnly);
        try {
            Permissions.assumePermissionsEnforced(readOnly);

            SessionStoreException e = assertThrows(SessionStoreException.class,
                    () -> SqliteSessionStore.open(readOnly));

            assertEquals(Kind.UNAVAILABLE, e.kind());
            assertEquals("cannot create the session database " + readOnly.resolve("sessions.db")
                    + ": the directory is not writable", e.getMessage());
            Path nested = readOnly.resolve("data");
            e = assertThrows(SessionStoreException.class, () -> SqliteSessionStore.open(nested));
            assertEquals(Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().startsWith("cannot create the session data directory " + nested),
                    e.getMessage());
        } finally {
            Permissions.makeWritable(readOnly);
        }
    }

    @Test
    void shouldFailWritesToAReadOnlyDatabaseAndStillServeReads() throws Exception {
        store.create(newSession("s"));
        append("s", "before", null);
        store.close();
        Path db = dataDir().resolve(SqliteSessionStore.DB_FILE_NAME);
        Permissions.makeReadOnly(db);
        try {
            Permissions.assumePermissionsEnforced(db);
            store = SqliteSessionStore.open(dataDir(), clock);

            SessionStoreException e = assertThrows(SessionStoreException.class, () -> append("s", "lost", null));

            assertEquals(Kind.UNAVAILABLE, e.kind());
            assertTrue(e.getMessage().contains("cannot append a turn: the database is read-only"), e.getMessage());
            assertEquals(List.of("before"), store.turns("s").stream().map(Turn::reply).toList());
            assertEquals(1, store.get("s").orElseThrow().turnCount());
            assertEquals(Kind.UNAVAILABLE,
                    assertThrows(SessionStoreException.class, () -> store.create(newSession("t"))).kind());
        } finally {
            store.close();
            Permissions.makeWritable(db);
        }
    }

    // ---- helpers ----

    private Connection rawConnection() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + dataDir().resolve(SqliteSessionStore.DB_FILE_NAME));
    }

    private long countRows(String tableAndWhere) throws SQLException {
        try (Connection c = rawConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM " + tableAndWhere)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
