package io.edgenode.server.cli;

/**
 * SIGTERM/SIGINT handling. {@code sun.misc.Signal} (module jdk.unsupported) replaces the JVM's
 * default handler, so the process can drain and exit 0 instead of running shutdown hooks and
 * exiting 143. Where it is unavailable, a shutdown hook triggers the same action.
 */
final class Signals {
    private Signals() {}

    static void onTerminate(Runnable action) {
        try {
            for (String name : new String[] {"TERM", "INT"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> action.run());
            }
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            Runtime.getRuntime().addShutdownHook(new Thread(action, "edgenode-shutdown"));
        }
    }
}
