package io.edgenode.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A YAML document as a tree that remembers where each node starts, which Jackson's
 * {@code JsonNode} does not. Built from Jackson's streaming {@link YAMLParser} (SnakeYAML
 * underneath) token by token. Immutable once built; stateless otherwise.
 *
 * <p>YAML 1.2 scalars: {@code yes}/{@code no}/{@code on}/{@code off} stay strings (only
 * {@code true}/{@code false} are booleans), so {@code aliases: [no]} means the name "no". Aliases
 * ({@code *name}) are refused: Jackson would hand over the anchor's name as a string, silently.
 * Duplicate keys and a second document are refused too.
 */
final class YamlTree {
    /** Deeper than any models.yaml needs; a guard against hostile nesting. */
    static final int MAX_DEPTH = 16;
    static final int MAX_CHARS = 1 << 20;

    private static final YAMLFactory FACTORY = YAMLFactory.builder()
            .enable(YAMLParser.Feature.PARSE_BOOLEAN_LIKE_WORDS_AS_STRINGS)
            // on in new YAMLFactory() but off in the builder: `key:` with no value is null
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
            .loaderOptions(loaderOptions())
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_DEPTH + 4)
                    .maxStringLength(64 * 1024)
                    .maxNumberLength(64)
                    .maxDocumentLength(MAX_CHARS)
                    .build())
            .build();

    private YamlTree() {}

    /** A 1-based position in the source. */
    record Mark(int line, int column) {
        static Mark of(JsonLocation l) {
            return new Mark(Math.max(l.getLineNr(), 0), Math.max(l.getColumnNr(), 0));
        }
    }

    sealed interface Node permits Scalar, Mapping, Sequence {
        /** Where the node starts. */
        Mark mark();
    }

    /**
     * A scalar: {@code token} is Jackson's resolution (string, int, float, boolean, null),
     * {@code text} the source text, {@code number} the value of a numeric token (else null).
     */
    record Scalar(JsonToken token, String text, Number number, Mark mark) implements Node {
        boolean isNull() {
            return token == JsonToken.VALUE_NULL;
        }
    }

    /** A key of a mapping, where the key starts, and its value. */
    record Entry(String key, Mark keyMark, Node value) {}

    /** A mapping in source order. */
    record Mapping(Map<String, Entry> entries, Mark mark) implements Node {}

    record Sequence(List<Node> items, Mark mark) implements Node {}

    /** Thrown for a document that is not well-formed for us; the reader adds the source name. */
    static final class SyntaxException extends Exception {
        final Mark mark;

        SyntaxException(Mark mark, String message, Throwable cause) {
            super(message, cause);
            this.mark = mark;
        }
    }

    /** The document's root, or null for an empty document. */
    static Node parse(String yaml) throws SyntaxException {
        if (yaml.length() > MAX_CHARS) {
            throw new SyntaxException(new Mark(0, 0), "larger than " + MAX_CHARS + " characters", null);
        }
        try (JsonParser p = FACTORY.createParser(yaml)) {
            JsonToken t = next(p);
            if (t == null) {
                return null;
            }
            Node root = read(p, t, 0);
            if (next(p) != null) {
                throw new SyntaxException(mark(p), "more than one YAML document ('---'); expected one", null);
            }
            return root;
        } catch (SyntaxException e) {
            throw e;
        } catch (IOException e) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof MarkedYAMLException y && y.getProblemMark() != null) {
                    // SnakeYAML's syntax error: its problem and context, without the source excerpt
                    org.yaml.snakeyaml.error.Mark m = y.getProblemMark();
                    String context = y.getContext() == null ? "" : " (" + y.getContext()
                            + (y.getContextMark() == null ? "" : " at line " + (y.getContextMark().getLine() + 1)) + ")";
                    throw new SyntaxException(new Mark(m.getLine() + 1, m.getColumn() + 1),
                            "not valid YAML: " + y.getProblem() + context, e);
                }
            }
            // StreamConstraintsException and other Jackson errors carry Jackson's location
            JsonLocation l = e instanceof JacksonException je ? je.getLocation() : null;
            String msg = e instanceof JacksonException je ? je.getOriginalMessage() : e.getMessage();
            throw new SyntaxException(l == null ? new Mark(0, 0) : Mark.of(l), oneLine(msg), e);
        }
    }

    private static JsonToken next(JsonParser p) throws IOException, SyntaxException {
        JsonToken t = p.nextToken();
        if (t != null && p instanceof YAMLParser y && y.isCurrentAlias()) {
            throw new SyntaxException(mark(p), "YAML aliases (*" + p.getText() + ") are not supported; write the value out",
                    null);
        }
        return t;
    }

    private static Node read(JsonParser p, JsonToken t, int depth) throws IOException, SyntaxException {
        if (t == null) {
            throw new SyntaxException(mark(p), "unexpected end of the document", null);
        }
        Mark at = mark(p);
        if (depth > MAX_DEPTH) {
            throw new SyntaxException(at, "nested deeper than " + MAX_DEPTH + " levels", null);
        }
        switch (t) {
            case START_OBJECT -> {
                Map<String, Entry> entries = new LinkedHashMap<>();
                for (JsonToken k = next(p); k != JsonToken.END_OBJECT; k = next(p)) {
                    // FIELD_NAME is all Jackson emits here; complex keys fail inside the parser
                    String key = p.currentName();
                    Mark keyMark = mark(p);
                    Node value = read(p, next(p), depth + 1);
                    Entry previous = entries.putIfAbsent(key, new Entry(key, keyMark, value));
                    if (previous != null) {
                        throw new SyntaxException(keyMark, "duplicate key '" + key + "' (first at line "
                                + previous.keyMark().line() + ")", null);
                    }
                }
                return new Mapping(Collections.unmodifiableMap(entries), at);
            }
            case START_ARRAY -> {
                List<Node> items = new ArrayList<>();
                for (JsonToken i = next(p); i != JsonToken.END_ARRAY; i = next(p)) {
                    items.add(read(p, i, depth + 1));
                }
                return new Sequence(List.copyOf(items), at);
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return new Scalar(t, p.getText(), p.getNumberValue(), at);
            }
            case VALUE_STRING, VALUE_TRUE, VALUE_FALSE, VALUE_NULL -> {
                return new Scalar(t, p.getText(), null, at);
            }
            default -> throw new SyntaxException(at, "unexpected YAML token " + t, null);
        }
    }

    private static Mark mark(JsonParser p) {
        return Mark.of(p.currentTokenLocation());
    }

    private static String oneLine(String s) {
        if (s == null) {
            return "not valid YAML";
        }
        return s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions o = new LoaderOptions();
        o.setCodePointLimit(MAX_CHARS);
        o.setNestingDepthLimit(MAX_DEPTH + 4);
        o.setMaxAliasesForCollections(0);
        return o;
    }
}
