package io.edgenode.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TriggerWatchTest {
    private static int scan(TriggerWatch w, String piece) {
        byte[] b = piece.getBytes(StandardCharsets.UTF_8);
        return w.scan(b, b.length);
    }

    private static boolean append(TriggerWatch w, String piece) {
        byte[] b = piece.getBytes(StandardCharsets.UTF_8);
        return w.append(b, b.length);
    }

    @Test
    void shouldSeeAWordSplitAcrossTokens() {
        TriggerWatch w = new TriggerWatch(List.of("<tool>"));
        assertEquals(TriggerWatch.NONE, scan(w, "hello <to"));
        assertFalse(append(w, "hello <to"));
        assertEquals(TriggerWatch.OVERRUN, scan(w, "ol>{"));
        assertEquals(TriggerWatch.EXACT, scan(w, "ol>"));
        assertTrue(append(w, "ol>"));
        assertTrue(w.triggered());
    }

    @Test
    void shouldCallATokenThatRunsPastTheWordAnOverrun() {
        TriggerWatch w = new TriggerWatch(List.of("call", "x"));
        assertEquals(TriggerWatch.OVERRUN, scan(w, "calling"));
        assertEquals(TriggerWatch.EXACT, scan(w, "recall"));
        assertEquals(TriggerWatch.OVERRUN, scan(w, "xcall"), "the earliest-ending word decides");
        assertEquals(TriggerWatch.EXACT, scan(w, "x"));
        assertEquals(TriggerWatch.NONE, scan(w, "cal"));
        assertEquals(TriggerWatch.NONE, scan(w, ""));
    }

    @Test
    void shouldMatchMultibyteWords() {
        TriggerWatch w = new TriggerWatch(List.of("→é"));
        assertFalse(append(w, "a→"));
        assertEquals(TriggerWatch.EXACT, scan(w, "é"));
        assertEquals(TriggerWatch.OVERRUN, scan(w, "é!"));
    }

    @Test
    void shouldForgetTextOlderThanTheLongestWord() {
        TriggerWatch w = new TriggerWatch(List.of("abc"));
        assertFalse(append(w, "a"));
        assertFalse(append(w, "zz"));
        assertEquals(TriggerWatch.NONE, scan(w, "bc"));
        assertFalse(append(w, "ab"));
        assertEquals(TriggerWatch.EXACT, scan(w, "c"));
    }
}
