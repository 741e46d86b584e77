package io.edgenode.core.grammar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** Integer bounds: the grammar matches exactly the decimal integers in the range, JSON-spelled. */
class IntegerRangesTest {

    private static String grammar(Long min, Long max) {
        ObjectNode schema = LlamaCorpus.JSON.createObjectNode().put("type", "integer");
        if (min != null) {
            schema.put("minimum", min);
        }
        if (max != null) {
            schema.put("maximum", max);
        }
        return JsonGrammars.fromSchema(schema);
    }

    private static void assertExactly(String grammarText, long lo, long hi, long from, long to) {
        GbnfMatcher matcher = new GbnfMatcher(GbnfGrammar.parse(grammarText));
        for (long n = from; n <= to; n++) {
            assertEquals(n >= lo && n <= hi, matcher.matches(Long.toString(n)),
                    () -> "range [" + lo + ", " + hi + "]: " + grammarText);
        }
    }

    @Test
    void shouldMatchExactlyEverySmallClosedRange() {
        for (long lo = -25; lo <= 25; lo++) {
            for (long hi = lo; hi <= lo + 40; hi += 3) {
                assertExactly(grammar(lo, hi), lo, hi, lo - 12, hi + 12);
            }
        }
    }

    @Test
    void shouldMatchExactlyRangesAcrossDigitCounts() {
        long[][] ranges = {{15, 300}, {-123, 42}, {100, 1000}, {999, 1001}, {-1000, -999}, {0, 23}, {7, 7}, {-7, -7}};
        for (long[] r : ranges) {
            assertExactly(grammar(r[0], r[1]), r[0], r[1], r[0] - 150, r[1] + 150);
        }
    }

    @Test
    void shouldMatchExactlyOneSidedRanges() {
        for (long bound = -130; bound <= 130; bound += 7) {
            assertExactly(grammar(bound, null), bound, Long.MAX_VALUE, -400, 400);
            assertExactly(grammar(null, bound), Long.MIN_VALUE, bound, -400, 400);
        }
    }

    @Test
    void shouldMatchExactlyBoundsWithInnerZeros() {
        for (long bound : new long[] {100, 101, 109, 1000, 1009, 1090, 10009, 20305}) {
            assertExactly(grammar(bound, null), bound, Long.MAX_VALUE, bound - 1200, bound + 1200);
            assertExactly(grammar(-bound, null), -bound, Long.MAX_VALUE, -bound - 1200, -bound + 1200);
            assertExactly(grammar(null, -bound), Long.MIN_VALUE, -bound, -bound - 1200, -bound + 1200);
        }
    }

    @Test
    void shouldRefuseLeadingZeros() {
        for (String g : new String[] {grammar(0L, null), grammar(null, -5L), grammar(null, 100L), grammar(-123L, 42L), grammar(3L, null)}) {
            GbnfMatcher m = new GbnfMatcher(GbnfGrammar.parse(g));
            for (String s : new String[] {"05", "-05", "007", "-007", "00"}) {
                assertEquals(false, m.matches(s), () -> s + " in " + g);
            }
        }
    }

    @Test
    void shouldRoundFractionalBoundsInwards() {
        ObjectNode schema = LlamaCorpus.JSON.createObjectNode().put("type", "integer").put("minimum", 1.5).put("exclusiveMaximum", 5.5);
        assertExactly(JsonGrammars.fromSchema(schema), 2, 5, -10, 20);
        ObjectNode exclusive = LlamaCorpus.JSON.createObjectNode().put("type", "integer").put("exclusiveMinimum", 2).put("exclusiveMaximum", 6);
        assertExactly(JsonGrammars.fromSchema(exclusive), 3, 5, -10, 20);
    }

    @Test
    void shouldRefuseAnEmptyRange() {
        SchemaConversionException e = assertThrows(SchemaConversionException.class, () -> grammar(5L, 3L));
        assertEquals("#", e.pointer());
    }
}
