package io.edgenode.server.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.edgenode.store.pull.ModelSource;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code edgenode pull} against a real HTTP server on an ephemeral port. */
class PullCommandTest {
    private static final byte[] DATA = new byte[1536 * 1024 + 3];
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    static {
        new Random(21).nextBytes(DATA);
    }

    @TempDir
    Path dir;

    HttpServer server;
    final List<String> ranges = new CopyOnWriteArrayList<>();

    record Run(int code, String out, String err) {}

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = EdgenodeCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/models/", exchange -> {
            try (exchange) {
                String range = exchange.getRequestHeaders().getFirst("Range");
                ranges.add(String.valueOf(range));
                Matcher m = range == null ? null : RANGE.matcher(range);
                int from = m != null && m.matches() ? Integer.parseInt(m.group(1)) : 0;
                if (from > 0) {
                    exchange.getResponseHeaders().set("Content-Range",
                            "bytes " + from + "-" + (DATA.length - 1) + "/" + DATA.length);
                }
                exchange.sendResponseHeaders(from > 0 ? 206 : 200, DATA.length - from);
                try (OutputStream body = exchange.getResponseBody()) {
                    body.write(DATA, from, DATA.length - from);
                }
            }
        });
        server.createContext("/missing/", exchange -> {
            try (exchange) {
                exchange.sendResponseHeaders(404, -1);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    void shouldPullAUrlVerifyItAndPrintItsDigest() throws Exception {
        Path target = dir.resolve("models/m.gguf");

        Run r = cli("pull", url("/models/m.gguf"), "--sha256", sha256(DATA), "--out", target.toString());

        assertEquals(0, r.code(), r.err());
        assertEquals(sha256(DATA) + "  " + target, r.out().strip());
        assertArrayEquals(DATA, Files.readAllBytes(target));
        assertFalse(Files.exists(dir.resolve("models/m.gguf.part")));
        assertTrue(r.err().matches("(?s).*pulling m\\.gguf: 100% 1\\.5/1\\.5 MiB [0-9.]+ MiB/s\\n.*"), r.err());
        assertTrue(r.err().contains("edgenode: pulled " + target + " (1.5 MiB)"), r.err());
    }

    @Test
    void shouldResumeFromAPartFileAndSkipAVerifiedTarget() throws Exception {
        Path target = dir.resolve("r.gguf");
        Files.write(dir.resolve("r.gguf.part"), java.util.Arrays.copyOf(DATA, 500_000));

        Run r = cli("pull", url("/models/r.gguf"), "--out", target.toString());

        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("bytes=500000-"), ranges);
        assertArrayEquals(DATA, Files.readAllBytes(target));
        assertEquals(sha256(DATA) + "  " + target, r.out().strip(), "the digest is printed even when none was given");

        Run again = cli("pull", url("/models/r.gguf"), "--out", target.toString(), "--sha256", sha256(DATA));
        assertEquals(0, again.code(), again.err());
        assertEquals(1, ranges.size(), "no request for a target that already matches");
        assertTrue(again.err().contains("is already there with the expected sha256"), again.err());
    }

    @Test
    void shouldNameTheFileAfterTheUrlInsideAnOutputFolder() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("store"));

        Run r = cli("pull", url("/models/named.gguf"), "-o", folder.toString());

        assertEquals(0, r.code(), r.err());
        assertArrayEquals(DATA, Files.readAllBytes(folder.resolve("named.gguf")));
    }

    @Test
    void shouldPrintOneLineErrorsAndExit1() throws Exception {
        Path target = dir.resolve("bad.gguf");
        String wrong = sha256(new byte[] {1});
        Run mismatch = cli("pull", url("/models/bad.gguf"), "--sha256", wrong, "--out", target.toString());
        assertEquals(1, mismatch.code());
        assertEquals("edgenode: sha256 mismatch for " + target + " from " + url("/models/bad.gguf") + ": expected "
                + wrong + ", got " + sha256(DATA) + "; the download was deleted, nothing was published",
                lastLine(mismatch.err()));
        assertFalse(Files.exists(target));
        assertFalse(Files.exists(dir.resolve("bad.gguf.part")));

        Run missing = cli("pull", url("/missing/x.gguf"), "--out", dir.resolve("x.gguf").toString());
        assertEquals(1, missing.code());
        assertEquals("edgenode: HTTP 404 (Not Found) from " + url("/missing/x.gguf"), missing.err().strip());

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String closed = "http://127.0.0.1:" + port + "/m.gguf";
        Run refused = cli("pull", closed, "--out", dir.resolve("y.gguf").toString());
        assertEquals(1, refused.code());
        assertEquals("edgenode: cannot connect to 127.0.0.1:" + port + " (" + closed + "): connection refused",
                refused.err().strip());

        Run scheme = cli("pull", "ftp://host/m.gguf");
        assertEquals(1, scheme.code());
        assertTrue(scheme.err().startsWith("edgenode: unsupported model source 'ftp://host/m.gguf'"), scheme.err());

        Run hex = cli("pull", url("/models/m.gguf"), "--sha256", "abc", "--out", dir.resolve("z.gguf").toString());
        assertEquals(1, hex.code());
        assertEquals("edgenode: sha256 must be 64 hex digits, got 'abc'", hex.err().strip());
    }

    @Test
    void shouldResolveModelIdsThroughTheConfig() throws Exception {
        Path config = Files.writeString(dir.resolve("models.yaml"), """
                models:
                  - id: demo
                    path: models/demo.gguf
                    synthetic: {preset: tiny, quant: q8_0}
                """);

        Run unknown = cli("pull", "nope", "--config", config.toString());
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().startsWith("edgenode: no model 'nope' in " + config), unknown.err());

        Run noSource = cli("pull", "demo", "--config", config.toString());
        assertEquals(1, noSource.code());
        assertEquals("edgenode: model ID 'demo' has no source in " + config
                + " (it is synthetic: `edgenode serve` creates it)", noSource.err().strip());
    }

    @Test
    void shouldPullAModelIdFromItsSourceToItsPathAndCheckItsSha256() throws Exception {
        Path config = Files.writeString(dir.resolve("models.yaml"), """
                server: {data_dir: state}
                models:
                  - id: remote
                    source: %s
                    sha256: %s
                """.formatted(url("/models/remote.gguf"), sha256(DATA)));

        Run r = cli("pull", "remote", "--config", config.toString());

        Path target = dir.resolve("state/models/remote.gguf");
        assertEquals(0, r.code(), r.err());
        assertEquals(sha256(DATA) + "  " + target, r.out().strip());
        assertArrayEquals(DATA, Files.readAllBytes(target));

        Files.delete(target);
        String wrong = "0".repeat(64);
        Run mismatch = cli("pull", "remote", "--config", config.toString(), "--sha256", wrong);
        assertEquals(1, mismatch.code());
        assertTrue(mismatch.err().contains("differs from the sha256 of 'remote'"), mismatch.err());
    }

    @Test
    void shouldDefaultToTheModelsFolderOfTheWorkingDirectory() {
        assertEquals(Path.of("models", "x.gguf"), PullCommand.defaultTarget(ModelSource.parse("hf://o/r/sub/x.gguf")));
    }

    @Test
    void shouldFormatPlainProgressLines() {
        var lines = new PullCommand.Lines("m.gguf", new PrintWriter(new StringWriter()));
        var half = new io.edgenode.store.pull.PullProgress(Path.of("m.gguf"), 100L << 20, 200L << 20,
                io.edgenode.store.pull.PullProgress.State.DOWNLOADING, java.util.Optional.empty());
        assertEquals("pulling m.gguf: 50% 100.0/200.0 MiB 50.0 MiB/s", lines.line(half, 2_000_000_000L));
        var unknown = new io.edgenode.store.pull.PullProgress(Path.of("m.gguf"), 3L << 20, -1,
                io.edgenode.store.pull.PullProgress.State.DOWNLOADING, java.util.Optional.empty());
        assertEquals("pulling m.gguf: 3.0 MiB 3.0 MiB/s", lines.line(unknown, 1_000_000_000L));
    }

    private static String lastLine(String s) {
        List<String> lines = s.strip().lines().toList();
        return lines.getLast();
    }
}
