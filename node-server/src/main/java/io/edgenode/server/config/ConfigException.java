package io.edgenode.server.config;

/**
 * A node configuration that cannot be used: unreadable, not YAML, or a value that breaks a rule.
 * The message is one line in the compiler's shape, {@code source:line:column: field: reason}, for
 * example {@code models.yaml:7:5: models[0].parallel: must be a positive integer, got "eight"};
 * without a position (an unreadable file) it is {@code source: reason}.
 */
public final class ConfigException extends RuntimeException {
    private final String source;
    private final int line;
    private final int column;
    private final String field;
    private final String reason;

    /**
     * @param line 1-based, or 0 when the problem has no position
     * @param column 1-based, or 0 when the problem has no position
     * @param field the field's path ({@code models[0].parallel}), or empty for the file as a whole
     */
    public ConfigException(String source, int line, int column, String field, String reason, Throwable cause) {
        super(format(source, line, column, field, reason), cause);
        this.source = source;
        this.line = line;
        this.column = column;
        this.field = field;
        this.reason = reason;
    }

    public ConfigException(String source, int line, int column, String field, String reason) {
        this(source, line, column, field, reason, null);
    }

    private static String format(String source, int line, int column, String field, String reason) {
        StringBuilder sb = new StringBuilder(source);
        if (line > 0) {
            sb.append(':').append(line);
            if (column > 0) {
                sb.append(':').append(column);
            }
        }
        sb.append(": ");
        if (field != null && !field.isEmpty()) {
            sb.append(field).append(": ");
        }
        return sb.append(reason).toString();
    }

    /** The file name (or the name given to {@link NodeConfigReader#parse}). */
    public String source() {
        return source;
    }

    /** 1-based line, 0 when unknown. */
    public int line() {
        return line;
    }

    /** 1-based column, 0 when unknown. */
    public int column() {
        return column;
    }

    /** The field's path, such as {@code models[0].parallel}; empty for the file as a whole. */
    public String field() {
        return field;
    }

    /** The reason alone, without source, position and field. */
    public String reason() {
        return reason;
    }
}
