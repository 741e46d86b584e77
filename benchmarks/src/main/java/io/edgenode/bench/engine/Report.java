package io.edgenode.bench.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One mode's results: facts about the run (model, threads, commit, command) and tables. Printed
 * as text, written as {@code <mode>.json} and {@code <mode>.md}. Cells are numbers or strings;
 * numbers stay numbers in the JSON (written by Jackson). No output depends on the default locale
 * (a comma-decimal locale once made the JSON invalid). Confined to the benchmark's main thread.
 */
final class Report {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    record Table(String title, List<String> columns, List<List<Object>> rows, List<String> notes) {}

    private final String mode;
    private final Map<String, String> facts = new LinkedHashMap<>();
    private final List<Table> tables = new ArrayList<>();

    Report(String mode) {
        this.mode = mode;
    }

    void fact(String key, Object value) {
        facts.put(key, String.valueOf(value));
    }

    Table table(String title, String... columns) {
        Table t = new Table(title, List.of(columns), new ArrayList<>(), new ArrayList<>());
        tables.add(t);
        return t;
    }

    static void row(Table t, Object... cells) {
        if (cells.length != t.columns().size()) {
            throw new IllegalArgumentException("row of " + cells.length + " cells for " + t.columns());
        }
        t.rows().add(List.of(cells));
    }

    String markdown() {
        StringBuilder sb = new StringBuilder("## engine-bench ").append(mode).append("\n\n");
        facts.forEach((k, v) -> sb.append("- ").append(k).append(": `").append(v).append("`\n"));
        for (Table t : tables) {
            sb.append("\n### ").append(t.title()).append("\n\n| ").append(String.join(" | ", t.columns())).append(" |\n|");
            sb.append("---|".repeat(t.columns().size())).append('\n');
            for (List<Object> r : t.rows()) {
                sb.append("| ");
                for (int i = 0; i < r.size(); i++) {
                    sb.append(i == 0 ? "" : " | ").append(format(r.get(i)));
                }
                sb.append(" |\n");
            }
            for (String n : t.notes()) {
                sb.append('\n').append(n).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * The report as JSON, written by Jackson: finite numbers as JSON numbers (doubles rounded to 4
     * decimals), anything else (strings, NaN, infinities) as strings. Nothing here depends on the
     * default locale.
     */
    String json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("mode", mode);
        ObjectNode factsNode = root.putObject("facts");
        facts.forEach(factsNode::put);
        ArrayNode tablesNode = root.putArray("tables");
        for (Table table : tables) {
            ObjectNode tableNode = tablesNode.addObject();
            tableNode.put("title", table.title());
            ArrayNode rowsNode = tableNode.putArray("rows");
            for (List<Object> row : table.rows()) {
                ObjectNode rowNode = rowsNode.addObject();
                for (int c = 0; c < row.size(); c++) {
                    cell(rowNode, table.columns().get(c), row.get(c));
                }
            }
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report as JSON", e);
        }
    }

    private static void cell(ObjectNode row, String column, Object v) {
        switch (v) {
            // Four decimals, as the hand-written JSON had; exact decimals so that 2.5000 is not normalized to 2.5.
            case Double d when Double.isFinite(d) -> row.put(column, BigDecimal.valueOf(d).setScale(4, RoundingMode.HALF_UP));
            case Integer i -> row.put(column, i);
            case Long l -> row.put(column, l);
            case Number n when Double.isFinite(n.doubleValue()) -> row.put(column, new BigDecimal(n.toString()));
            default -> row.put(column, String.valueOf(v));
        }
    }

    void write(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(mode + ".md"), markdown());
            Files.writeString(dir.resolve(mode + ".json"), json());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + dir, e);
        }
    }

    private static String format(Object v) {
        if (v instanceof Double d) {
            return Math.abs(d) >= 100 ? String.format(Locale.ROOT, "%.1f", d) : String.format(Locale.ROOT, "%.2f", d);
        }
        return String.valueOf(v);
    }
}
