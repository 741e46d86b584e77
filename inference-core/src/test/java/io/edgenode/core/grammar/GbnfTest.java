package io.edgenode.core.grammar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GBNF literals read back as exactly their text; rule names are GBNF names. */
class GbnfTest {

    @Test
    void shouldEscapeQuoteBackslashAndLineBreaks() {
        assertEquals("\"a\\\"b\\\\c\\nd\\re\\tf\"", Gbnf.literal("a\"b\\c\nd\re\tf"));
    }

    @Test
    void shouldWriteOtherControlsAsHex() {
        assertEquals("\"\\x00\\x1F\\x7F\"", Gbnf.literal("\u0000\u001f\u007f"));
    }

    @Test
    void shouldKeepNonAsciiAndNonBmpAsIs() {
        assertEquals("\"é中😀\"", Gbnf.literal("é中😀"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "plain", "\"", "\\", "\\\"", "a\nb\r\n", "\t", "\u0000x", "\u007f", "é", "中文", "😀", "𝄞a😀",
        "[]-", "#not a comment", "|()*+?{1,2}", "\\x41", "\\u0041"})
    void shouldReadBackAsTheSameCodePoints(String text) {
        GbnfGrammar g = GbnfGrammar.parse("root ::= " + Gbnf.literal(text) + "\n");
        GbnfGrammar.Expr root = g.rules.get("root");
        int[] expected = text.codePoints().toArray();
        if (text.isEmpty()) {
            assertTrue(root instanceof GbnfGrammar.Lit lit && lit.codePoints().length == 0, root.toString());
        } else {
            assertArrayEquals(expected, ((GbnfGrammar.Lit) root).codePoints());
        }
        assertTrue(GbnfMatcher.matches("root ::= " + Gbnf.literal(text), text));
    }

    @Test
    void shouldNameRulesOnlyWithWordCharacters() {
        assertTrue(Gbnf.isValidRuleName("root"));
        assertTrue(Gbnf.isValidRuleName("ref-defs-Item2"));
        assertFalse(Gbnf.isValidRuleName(""));
        assertFalse(Gbnf.isValidRuleName("a b"));
        assertFalse(Gbnf.isValidRuleName("a_b"));
        assertFalse(Gbnf.isValidRuleName("é"));
        assertFalse(Gbnf.isValidRuleName(null));
    }

    @Test
    void shouldRejectWhatLlamaCppRejects() {
        assertThrows(IllegalArgumentException.class, () -> GbnfGrammar.parse("root ::= \"\\q\"\n"));
        assertThrows(IllegalArgumentException.class, () -> GbnfGrammar.parse("root ::= missing\n"));
        assertThrows(IllegalArgumentException.class, () -> GbnfGrammar.parse("root ::= \"a\"{2001}\n"));
        assertThrows(IllegalArgumentException.class, () -> GbnfGrammar.parse("other ::= \"a\"\n"));
        assertThrows(IllegalArgumentException.class, () -> GbnfGrammar.parse("root ::= * \"a\"\n"));
    }
}
