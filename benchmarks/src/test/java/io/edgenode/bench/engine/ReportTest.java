package io.edgenode.bench.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.bench.common.Stats;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Locale saved;

    @BeforeEach
    void useCommaDecimalLocale() {
        saved = Locale.getDefault();
        Locale.setDefault(Locale.GERMANY); // 1234,5678: a hand-formatted JSON number becomes two values
    }

    @AfterEach
    void restoreLocale() {
        Locale.setDefault(saved);
    }

    private static Report sample() {
        Report report = new Report("sweep");
        report.fact("model", "bench-200m-q8_0.gguf");
        report.fact("note", "quote \" backslash \\ newline \n tab \t");
        Report.Table t = report.table("Aggregate decode", "streams", "tok/s", "ratio", "range", "missing");
        Report.row(t, 4, 1234.56789, 0.5, Stats.mmm(new double[] {1.25, 2.5, 3.75}, "%.2f"), Double.NaN);
        Report.row(t, 8L, 12.0, 100.25, "n/a", Double.POSITIVE_INFINITY);
        return report;
    }

    @Test
    void shouldWriteValidJsonWithNumbersUnderACommaDecimalLocale() throws Exception {
        JsonNode root = JSON.readTree(sample().json());

        assertEquals("sweep", root.get("mode").textValue());
        assertEquals("quote \" backslash \\ newline \n tab \t", root.at("/facts/note").textValue());
        JsonNode rows = root.at("/tables/0/rows");
        assertEquals("Aggregate decode", root.at("/tables/0/title").textValue());
        assertEquals(2, rows.size());
        JsonNode first = rows.get(0);
        assertTrue(first.get("streams").isIntegralNumber());
        assertEquals(4, first.get("streams").intValue());
        assertTrue(first.get("tok/s").isNumber(), "a double cell is a JSON number: " + first);
        assertEquals(1234.5679, first.get("tok/s").doubleValue(), 0.0); // rounded to 4 decimals
        assertEquals(0.5, first.get("ratio").doubleValue(), 0.0);
        assertEquals("1.25 / 2.50 / 3.75", first.get("range").textValue());
        assertEquals("NaN", first.get("missing").textValue());
        assertEquals(8, rows.get(1).get("streams").longValue());
        assertEquals("Infinity", rows.get(1).get("missing").textValue());
    }

    @Test
    void shouldWriteMarkdownWithPointDecimalsUnderACommaDecimalLocale() {
        String md = sample().markdown();

        assertTrue(md.contains("| 4 | 1234.6 | 0.50 | 1.25 / 2.50 / 3.75 | NaN |"), md);
        assertTrue(md.contains("| 8 | 12.00 | 100.3 | n/a | Infinity |"), md);
        assertTrue(List.of(md.split("\n")).stream().noneMatch(l -> l.matches(".*\\d,\\d.*")), md);
    }
}
