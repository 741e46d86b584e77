package io.edgenode.bench.store;

import com.sun.net.httpserver.HttpServer;
import io.edgenode.store.pull.ModelPuller;
import io.edgenode.store.pull.ModelSource;
import io.edgenode.store.pull.PullListener;
import io.edgenode.store.pull.PullRequest;
import io.edgenode.store.pull.PullResult;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Pull throughput from a local HTTP server against a plain file copy (issue 6's benchmark): the
 * same file, alternating, {@code repeats} times. The pull is the real path: HTTP download into
 * {@code .part}, sha256 over every byte, fsync, atomic rename. A copy with a sha256 pass is also
 * timed, to tell the hashing from the transfer. The source file stays in the page cache, so this
 * measures the node's pipeline, not the disk or a network.
 *
 * <p>Usage: {@code PullBench FILE [repeats]}
 */
public final class PullBench {
    private PullBench() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]).toAbsolutePath();
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        long size = Files.size(file);
        String sha = sha256(file);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/model.gguf", ex -> {
            ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
            ex.sendResponseHeaders(200, size);
            try (OutputStream out = ex.getResponseBody(); InputStream in = Files.newInputStream(file)) {
                in.transferTo(out);
            }
        });
        server.start();
        Path dir = Files.createTempDirectory("edgenode-pull-bench");
        double[] pull = new double[repeats];
        double[] copy = new double[repeats];
        double[] copyHash = new double[repeats];
        try (ModelPuller puller = new ModelPuller()) {
            ModelSource source = ModelSource.parse("http://127.0.0.1:" + server.getAddress().getPort() + "/model.gguf");
            for (int i = -1; i < repeats; i++) { // i = -1: warm-up (JIT, page cache)
                Path target = dir.resolve("pulled.gguf");
                Files.deleteIfExists(target);
                long t0 = System.nanoTime();
                PullResult r = puller.pullResult(new PullRequest(source, target, Optional.of(sha)), PullListener.NONE)
                        .get();
                long t1 = System.nanoTime();
                if (!r.sha256Hex().equalsIgnoreCase(sha) || Files.size(target) != size) {
                    throw new IllegalStateException("pull produced another file");
                }
                Path copied = dir.resolve("copied.gguf");
                long t2 = System.nanoTime();
                Files.copy(file, copied, StandardCopyOption.REPLACE_EXISTING);
                long t3 = System.nanoTime();
                sha256(copied);
                long t4 = System.nanoTime();
                Files.delete(copied);
                if (i >= 0) {
                    pull[i] = mibPerSecond(size, t1 - t0);
                    copy[i] = mibPerSecond(size, t3 - t2);
                    copyHash[i] = mibPerSecond(size, t4 - t2);
                }
            }
        } finally {
            server.stop(0);
        }
        System.out.printf("file %s, %.1f MiB, %d repeats (MiB/s min/median/max)%n", file.getFileName(),
                size / 1048576.0, repeats);
        System.out.printf("pull (HTTP + sha256 + fsync + rename): %s%n", stats(pull));
        System.out.printf("plain file copy:                      %s%n", stats(copy));
        System.out.printf("file copy + sha256 pass:              %s%n", stats(copyHash));
        double[] ratio = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            ratio[i] = pull[i] / copy[i];
        }
        System.out.printf("pull / plain copy:                    %s%n", stats(ratio));
    }

    private static double mibPerSecond(long bytes, long nanos) {
        return bytes / 1048576.0 / (nanos / 1e9);
    }

    private static String stats(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return String.format("%.2f / %.2f / %.2f", s[0], s[s.length / 2], s[s.length - 1]);
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
