package io.edgenode.bench.load;

import io.edgenode.bench.common.LocalNode;
import io.edgenode.server.session.SessionSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A {@link LocalNode} serving the tiny synthetic model as "tiny", with sessions. */
final class RealNode implements AutoCloseable {
    static final String MODEL = "tiny";
    private static final Path DIR = Path.of("target", "test-node").toAbsolutePath();

    private final LocalNode node;

    RealNode() throws Exception {
        // With sessions, so multi-turn runs take the session path (session_id, only new messages).
        node = new LocalNode(LocalNode.model(MODEL, "models/tiny-q8_0.gguf", 2, 2048, 1, 256)
                        + "    synthetic: {preset: tiny, quant: q8_0}\n", DIR,
                SessionSettings.defaults(Files.createTempDirectory("edgenode-bench-test")), Duration.ofSeconds(120));
    }

    String url() {
        return "http://127.0.0.1:" + node.node.port();
    }

    @Override
    public void close() {
        node.close();
    }
}
