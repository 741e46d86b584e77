package io.edgenode.bench.http;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Keeps llama.cpp's own account of its buffers ("... buffer size = N MiB": model, repacked
 * weights, KV, output, compute), which it logs at INFO (our DEBUG, java.util.logging FINE, on
 * {@code io.edgenode.llama}) while loading a model and creating a context. Install before the
 * library loads. Thread-safe (the log arrives on loader and engine threads).
 */
final class LlamaBufferLog extends Handler {
    /** Held so that the logger and its level are not collected (JUL keeps loggers weakly). */
    private static Logger llamaLogger;
    private final List<String> lines = new ArrayList<>();

    static LlamaBufferLog install() {
        LlamaBufferLog handler = new LlamaBufferLog();
        handler.setLevel(Level.ALL);
        llamaLogger = Logger.getLogger("io.edgenode.llama");
        llamaLogger.setLevel(Level.FINE);
        llamaLogger.addHandler(handler);
        return handler;
    }

    @Override
    public synchronized void publish(LogRecord record) {
        String m = record.getMessage();
        if (m != null && m.contains("buffer size")) {
            lines.add(m.strip());
        }
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
