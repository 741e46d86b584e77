package io.edgenode.bench.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One mode's results: facts about the run (model, threads, commit, command) and tables. Printed
 * as text, written as {@code <mode>.json} and {@code <mode>.md}. Cells are numbers or strings;
 * numbers stay numbers in the JSON. Confined to the benchmark's main thread.
 */
final class Report {
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

    String json() {
        StringBuilder sb = new StringBuilder("{\n  \"mode\": ").append(quote(mode)).append(",\n  \"facts\": {");
        int i = 0;
        for (Map.Entry<String, String> e : facts.entrySet()) {
            sb.append(i++ == 0 ? "\n    " : ",\n    ").append(quote(e.getKey())).append(": ").append(quote(e.getValue()));
        }
        sb.append("\n  },\n  \"tables\": [");
        for (int t = 0; t < tables.size(); t++) {
            Table table = tables.get(t);
            sb.append(t == 0 ? "\n" : ",\n").append("    {\"title\": ").append(quote(table.title())).append(", \"rows\": [");
            for (int r = 0; r < table.rows().size(); r++) {
                sb.append(r == 0 ? "\n      {" : ",\n      {");
                List<Object> row = table.rows().get(r);
                for (int c = 0; c < row.size(); c++) {
                    Object v = row.get(c);
                    sb.append(c == 0 ? "" : ", ").append(quote(table.columns().get(c))).append(": ");
                    sb.append(v instanceof Number n && Double.isFinite(n.doubleValue()) ? numberJson(n) : quote(String.valueOf(v)));
                }
                sb.append('}');
            }
            sb.append("\n    ]}");
        }
        return sb.append("\n  ]\n}\n").toString();
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
            return Math.abs(d) >= 100 ? String.format("%.1f", d) : String.format("%.2f", d);
        }
        return String.valueOf(v);
    }

    private static String numberJson(Number n) {
        return n instanceof Double d ? String.format("%.4f", d) : n.toString();
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
