package io.edgenode.core.llama;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Routes llama.cpp and ggml log output to the {@code io.edgenode.llama} {@link System.Logger}
 * instead of raw stderr. Called from whatever native thread logs (the caller of a llama function,
 * or a ggml worker), so the state is thread-local: llama.cpp writes one line in pieces
 * ({@code GGML_LOG_LEVEL_CONT}) and each thread assembles its own.
 *
 * <p>The last error line of each thread is kept so that a failing call (model load, context
 * creation) can say why in its exception instead of "returned NULL".
 */
final class LlamaLog {
    private static final Logger LOG = System.getLogger("io.edgenode.llama");

    // ggml_log_level
    private static final int DEBUG = 1;
    private static final int INFO = 2;
    private static final int WARN = 3;
    private static final int ERROR = 4;
    private static final int CONT = 5;

    private static final ThreadLocal<LineBuffer> LINES = ThreadLocal.withInitial(LineBuffer::new);

    private LlamaLog() {}

    private static final class LineBuffer {
        final StringBuilder text = new StringBuilder();
        int level = INFO;
        String lastError;
    }

    /** Creates the upcall stub for {@code ggml_log_callback}; it lives as long as the process. */
    static MemorySegment upcallStub() {
        try {
            var target = MethodHandles.lookup().findStatic(LlamaLog.class, "onLog",
                    MethodType.methodType(void.class, int.class, MemorySegment.class, MemorySegment.class));
            return Linker.nativeLinker().upcallStub(target,
                    FunctionDescriptor.ofVoid(JAVA_INT, ADDRESS, ADDRESS), Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new LlamaLibraryException("cannot create the llama.cpp log callback", e);
        }
    }

    /** {@code void (*ggml_log_callback)(enum ggml_log_level level, const char * text, void * user_data)}. */
    @SuppressWarnings("unused") // target of the upcall stub
    private static void onLog(int level, MemorySegment text, MemorySegment userData) {
        // An exception escaping an upcall kills the JVM: nothing here may throw.
        try {
            LineBuffer line = LINES.get();
            if (level != CONT) {
                line.level = level;
            }
            line.text.append(text.reinterpret(Integer.MAX_VALUE).getString(0));
            int nl;
            while ((nl = line.text.indexOf("\n")) >= 0) {
                String message = line.text.substring(0, nl);
                line.text.delete(0, nl + 1);
                publish(line, message);
            }
        } catch (Throwable ignored) {
            // logging must never take the process down
        }
    }

    private static void publish(LineBuffer line, String message) {
        if (message.isBlank()) {
            return;
        }
        Level level = switch (line.level) {
            case ERROR -> Level.ERROR;
            case WARN -> Level.WARNING;
            case DEBUG -> Level.TRACE;
            default -> Level.DEBUG; // llama.cpp's INFO is chatty load detail: debug for us
        };
        // Keep the first error since the last take: llama.cpp logs the cause first, then the
        // consequences ("invalid token[0]", then "failed to initialize batch", then "ret = -1").
        if (line.level == ERROR && line.lastError == null) {
            line.lastError = message.strip();
        }
        if (LOG.isLoggable(level)) {
            LOG.log(level, message);
        }
    }

    /** The first error llama.cpp logged on this thread since the last call, consumed; empty when none. */
    static String takeLastError() {
        LineBuffer line = LINES.get();
        String e = line.lastError;
        line.lastError = null;
        return e == null ? "" : e;
    }
}
