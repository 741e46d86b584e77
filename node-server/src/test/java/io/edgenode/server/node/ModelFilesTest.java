package io.edgenode.server.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.config.NodeConfigReader;
import io.edgenode.store.pull.ModelPuller;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model files through the real downloader ({@link PullerFetcher} over a local HTTP server that
 * holds its response half way until the test lets it go): one download per model whatever the
 * number of watchers, and a watcher that leaves is dropped.
 */
@Timeout(60)
class ModelFilesTest {
    static final byte[] BODY = new byte[3 << 20];

    static {
        new Random(11).nextBytes(BODY);
    }

    @TempDir
    Path dir;

    HttpServer server;
    final AtomicInteger requests = new AtomicInteger();
    final CountDownLatch letGo = new CountDownLatch(1);
    ModelFiles files;

    @BeforeEach
    void serve() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/m.gguf", exchange -> {
            requests.incrementAndGet();
            try (exchange) {
                exchange.sendResponseHeaders(200, BODY.length);
                try (OutputStream body = exchange.getResponseBody()) {
                    int half = BODY.length / 2;
                    body.write(BODY, 0, half);
                    body.flush();
                    letGo.await(30, TimeUnit.SECONDS);
                    // the rest in 8 steps 60 ms apart: past the puller's 50 ms progress interval
                    int step = (BODY.length - half) / 8 + 1;
                    for (int off = half; off < BODY.length; off += step) {
                        body.write(BODY, off, Math.min(step, BODY.length - off));
                        body.flush();
                        Thread.sleep(60);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        server.start();
        files = new ModelFiles(null, new PullerFetcher(new ModelPuller()));
    }

    @AfterEach
    void stop() {
        letGo.countDown();
        files.close();
        server.stop(0);
    }

    ModelSpec remote() throws Exception {
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(BODY));
        String yaml = "models:\n  - id: remote\n"
                + "    source: http://127.0.0.1:" + server.getAddress().getPort() + "/m.gguf\n"
                + "    sha256: " + sha256 + "\n"
                + "    path: " + dir.resolve("remote.gguf") + "\n";
        return NodeConfigReader.parse(yaml, dir, "files.yaml").models().getFirst();
    }

    static boolean downloadingSomething(List<FetchProgress> events) {
        return events.stream().anyMatch(p -> p.state() == FetchProgress.State.DOWNLOADING && p.bytesDone() > 0);
    }

    @Test
    void shouldRunOneDownloadForEveryWatcherAndDropTheOneThatLeaves() throws Exception {
        ModelSpec spec = remote();
        List<FetchProgress> leaving = new CopyOnWriteArrayList<>();
        List<FetchProgress> staying = new CopyOnWriteArrayList<>();
        CompletableFuture<Path> leaver = files.pull(spec, leaving::add);
        CompletableFuture<Path> stayer = files.pull(spec, staying::add);
        CompletableFuture<Path> load = files.download(spec);
        assertEquals(2, files.watchers("remote"), "the load waits without watching");

        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (leaving.stream().noneMatch(p -> p.state() == FetchProgress.State.DOWNLOADING)) {
            assertTrue(System.nanoTime() < until, "no progress: " + leaving);
            Thread.sleep(10);
        }
        assertTrue(files.progress("remote").isPresent(), "the download shows while it runs");
        leaver.cancel(false);
        assertEquals(1, files.watchers("remote"), "the watcher that left is dropped at once");
        int heardBeforeLeaving = leaving.size();
        int stayingBeforeLeaving = staying.size();
        letGo.countDown();

        Path file = stayer.get(30, TimeUnit.SECONDS);
        assertEquals(file, load.get(30, TimeUnit.SECONDS));
        assertArrayEquals(BODY, Files.readAllBytes(file));
        assertEquals(1, requests.get(), "one download");
        assertEquals(heardBeforeLeaving, leaving.size(), "nothing after leaving: " + leaving);
        assertTrue(downloadingSomething(staying.subList(stayingBeforeLeaving, staying.size())),
                "the rest of the download reached the one that stayed: " + staying);
        FetchProgress last = staying.getLast();
        assertEquals(FetchProgress.State.DONE, last.state());
        assertEquals(BODY.length, last.bytesDone());
        assertEquals(1, staying.stream().filter(FetchProgress::isFinal).count(), "one final event");
        assertEquals(0, files.watchers("remote"));
        assertEquals(Optional.empty(), files.progress("remote"));
    }

    @Test
    void shouldAnswerAPresentFileWithOneDoneEventAndNoDownload() throws Exception {
        ModelSpec spec = remote();
        Files.write(spec.path(), new byte[] {1, 2, 3});
        List<FetchProgress> heard = new CopyOnWriteArrayList<>();
        assertEquals(spec.path(), files.pull(spec, heard::add).get(1, TimeUnit.SECONDS));
        assertEquals(List.of(new FetchProgress("remote", 3, 3, FetchProgress.State.DONE, Optional.empty())), heard);
        assertEquals(Optional.of(spec.path()), files.local(spec));
        assertEquals(0, requests.get());
    }

    @Test
    void shouldFailAMissingFileWithoutASource() throws Exception {
        ModelSpec spec = NodeConfigReader.parse("models:\n  - id: lost\n    path: " + dir.resolve("lost.gguf") + "\n",
                dir, "files.yaml").models().getFirst();
        List<FetchProgress> heard = new CopyOnWriteArrayList<>();
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> files.pull(spec, heard::add).get(1, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("has no source"), e.getCause().getMessage());
        assertEquals(FetchProgress.State.FAILED, heard.getLast().state());
        ModelUnavailableException u = assertThrows(ModelUnavailableException.class, () -> files.local(spec));
        assertTrue(u.getMessage().contains("does not exist (and the model has no source"), u.getMessage());
    }
}
