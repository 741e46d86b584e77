package io.edgenode.server.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One-line log output on stderr for the CLI. llama.cpp's chatter (its INFO, our DEBUG) shows only
 * with {@code --verbose}; its warnings and errors always show.
 */
final class CliLogging {
    private CliLogging() {}

    static void configure(boolean verbose) {
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(verbose ? Level.ALL : Level.WARNING);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                String level = r.getLevel().intValue() >= Level.SEVERE.intValue() ? "error"
                        : r.getLevel().intValue() >= Level.WARNING.intValue() ? "warning" : "debug";
                return "edgenode: " + level + ": " + formatMessage(r) + System.lineSeparator();
            }
        });
        root.addHandler(handler);
        root.setLevel(verbose ? Level.FINE : Level.WARNING);
    }
}
