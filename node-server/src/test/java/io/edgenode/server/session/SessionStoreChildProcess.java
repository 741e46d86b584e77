package io.edgenode.server.session;

import java.nio.file.Path;
import java.util.List;

/**
 * Run in a child JVM by {@link SqliteSessionStoreTest}: appends one turn, prints ACK once appendTurn has returned,
 * then waits to be killed without closing the store (so nothing but the commit itself can have made it durable).
 * Arguments: data directory, session id, reply text.
 */
public final class SessionStoreChildProcess {
    private SessionStoreChildProcess() {}

    public static void main(String[] args) throws Exception {
        SqliteSessionStore store = SqliteSessionStore.open(Path.of(args[0]));
        store.appendTurn(args[1], List.of(new SessionMessage("user", "hello from the child")), args[2], 7, 3, 0,
                "stop", new Continuation("m", new int[] {1, 2, 3}, "abc"));
        System.out.println("ACK");
        System.out.flush();
        Thread.sleep(600_000);
    }
}
