package io.edgenode.store.gguf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The bytes are not a GGUF file this reader accepts: wrong magic, unsupported version, a length or
 * count that the file cannot hold, a tensor outside the file, and so on.
 *
 * <p>{@link #offset()} is the file offset of the field that failed (the start of the field, not of
 * the enclosing structure), or {@code -1} when a fact is missing rather than malformed (for example a
 * required metadata key that is absent). It is an {@link IOException} so that callers handle a corrupt
 * file where they already handle an unreadable one.
 */
public final class GgufFormatException extends IOException {

    private final transient Path file;
    private final String reason;
    private final long offset;

    public GgufFormatException(String reason, long offset) {
        this(null, reason, offset, null);
    }

    public GgufFormatException(Path file, String reason, long offset) {
        this(file, reason, offset, null);
    }

    public GgufFormatException(Path file, String reason, long offset, Throwable cause) {
        super(message(file, reason, offset), cause);
        this.file = file;
        this.reason = reason;
        this.offset = offset;
    }

    /** The reason alone, without file name or offset. */
    public String reason() {
        return reason;
    }

    /** Byte offset in the file of the offending field, or {@code -1} when not tied to a position. */
    public long offset() {
        return offset;
    }

    /** The file being read, when known. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    private static String message(Path file, String reason, long offset) {
        StringBuilder sb = new StringBuilder();
        if (file != null) {
            sb.append(file).append(": ");
        }
        sb.append(reason);
        if (offset >= 0) {
            sb.append(" (at file offset ").append(offset).append(')');
        }
        return sb.toString();
    }
}
