package io.edgenode.core.grammar;

/** A JSON schema the GBNF converter cannot honour; {@link #pointer()} says where (JSON pointer). */
public final class SchemaConversionException extends IllegalArgumentException {
    private final String pointer;

    public SchemaConversionException(String message, String pointer) {
        super(pointer.isEmpty() ? message : message + " (at " + pointer + ")");
        this.pointer = pointer;
    }

    public String pointer() {
        return pointer;
    }
}
