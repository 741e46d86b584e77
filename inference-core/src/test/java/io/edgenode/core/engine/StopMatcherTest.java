package io.edgenode.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {
    @Test
    void shouldStopOnAStringSplitAcrossPiecesWithoutEmittingIt() {
        StopMatcher m = new StopMatcher(List.of("<|end|>"));
        StringBuilder out = new StringBuilder();
        for (String piece : new String[] {"Hello ", "wor", "ld<|", "en", "d|>", "never"}) {
            out.append(m.append(piece));
        }
        assertTrue(m.stopped());
        assertEquals("Hello world", out.toString());
    }

    @Test
    void shouldReleaseHeldBackTextThatTurnsOutNotToBeAStop() {
        StopMatcher m = new StopMatcher(List.of("STOP"));
        assertEquals("a", m.append("aST"));
        assertEquals("STx", m.append("x"));
        assertEquals("", m.append("ST"));
        assertEquals("ST", m.flush());
        assertFalse(m.stopped());
    }

    @Test
    void shouldPickTheEarliestOfSeveralStops() {
        StopMatcher m = new StopMatcher(List.of("world", "lo w"));
        assertEquals("Hel", m.append("Hello world"));
        assertTrue(m.stopped());
    }

    @Test
    void shouldPassEverythingWithoutStops() {
        StopMatcher m = new StopMatcher(List.of());
        assertEquals("abc", m.append("abc"));
        assertEquals("", m.flush());
    }
}
