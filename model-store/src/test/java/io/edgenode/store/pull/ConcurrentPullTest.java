package io.edgenode.store.pull;

import static io.edgenode.store.pull.PullTesting.await;
import static io.edgenode.store.pull.PullTesting.eventually;
import static io.edgenode.store.pull.PullTesting.failure;
import static io.edgenode.store.pull.PullTesting.part;
import static io.edgenode.store.pull.PullTesting.randomBytes;
import static io.edgenode.store.pull.PullTesting.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.store.pull.PullTesting.Recorder;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several callers and one download: merging, progress for each, cancellation on close. */
class ConcurrentPullTest {
    private static final byte[] DATA = randomBytes(2 * 1024 * 1024 + 5, 11);
    private static final String SHA = sha256(DATA);
    private static final URI HF = URI.create("https://huggingface.co");

    @TempDir
    Path dir;

    FileServer server;
    ModelPuller puller;

    @BeforeEach
    void start() throws IOException {
        server = new FileServer();
        puller = new ModelPuller(ModelPuller.newHttpClient(), Map.of(), DiskSpace.FILE_STORE, Duration.ofSeconds(30));
    }

    @AfterEach
    void stop() {
        puller.close();
        server.close();
    }

    private PullRequest request(String path, Path target, String sha) {
        return new PullRequest(ModelSource.parse(server.uri(path).toString(), HF), target, Optional.ofNullable(sha));
    }

    @Test
    void shouldMergeConcurrentPullsOfOneTargetIntoOneDownload() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        server.route("/m.gguf", FileServer.gated(gate, FileServer.file(DATA)));
        Path target = dir.resolve("m.gguf");
        Recorder first = new Recorder();
        Recorder second = new Recorder();

        CompletableFuture<Path> a = puller.pull(request("/m.gguf", target, SHA), first);
        eventually(() -> server.requests.size() == 1, "the first request");
        // The same target through another spelling of its path joins too.
        CompletableFuture<Path> b = puller.pull(request("/m.gguf", dir.resolve("x/../m.gguf"), null), second);
        assertTrue(puller.progress(target).isPresent());
        assertFalse(second.seen.isEmpty(), "a joiner gets the latest progress at once");
        gate.countDown();

        assertEquals(target, await(a));
        assertEquals(target, await(b));
        assertEquals(1, server.requests.size(), "one download for both callers");
        assertArrayEquals(DATA, Files.readAllBytes(target));
        assertEquals(PullProgress.State.DONE, first.last().state());
        assertEquals(PullProgress.State.DONE, second.last().state());
    }

    @Test
    void shouldRefuseToJoinWithAnotherSourceOrDigest() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        server.route("/m.gguf", FileServer.gated(gate, FileServer.file(DATA)));
        Path target = dir.resolve("m.gguf");
        CompletableFuture<Path> running = puller.pull(request("/m.gguf", target, SHA), PullListener.NONE);

        PullException otherUrl = failure(puller.pull(request("/other.gguf", target, null), PullListener.NONE));
        PullException otherSha = failure(puller.pull(request("/m.gguf", target, sha256(new byte[1])), PullListener.NONE));
        gate.countDown();

        assertEquals(PullException.Kind.IO, otherUrl.kind());
        assertTrue(otherUrl.getMessage().contains("it is being pulled from " + server.uri("/m.gguf")), otherUrl.getMessage());
        assertEquals(PullException.Kind.CHECKSUM_MISMATCH, otherSha.kind());
        assertEquals(target, await(running));
    }

    @Test
    void shouldCheckAJoinersDigestWhenTheRunningPullHasNone() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        server.route("/m.gguf", FileServer.gated(gate, FileServer.file(DATA)));
        Path target = dir.resolve("m.gguf");
        CompletableFuture<Path> unchecked = puller.pull(request("/m.gguf", target, null), PullListener.NONE);
        CompletableFuture<Path> right = puller.pull(request("/m.gguf", target, SHA), PullListener.NONE);
        CompletableFuture<Path> wrong = puller.pull(request("/m.gguf", target, sha256(new byte[1])), PullListener.NONE);
        gate.countDown();

        assertEquals(target, await(unchecked));
        assertEquals(target, await(right));
        PullException e = failure(wrong);
        assertEquals(PullException.Kind.CHECKSUM_MISMATCH, e.kind());
        assertTrue(e.getMessage().contains("got " + SHA), e.getMessage());
    }

    @Test
    void shouldCancelRunningPullsOnCloseAndKeepTheirPartFiles() throws Exception {
        server.route("/m.gguf", server.stallAfter(DATA, 300_000));
        Path target = dir.resolve("m.gguf");
        Recorder progress = new Recorder();
        CompletableFuture<Path> pull = puller.pull(request("/m.gguf", target, SHA), progress);
        eventually(() -> puller.progress(target).map(p -> p.bytesDone() == 300_000).orElse(false), "300,000 bytes");

        puller.close();

        PullException e = failure(pull);
        assertEquals(PullException.Kind.CANCELLED, e.kind());
        assertTrue(e.getMessage().contains("the puller was closed"), e.getMessage());
        assertEquals(300_000, Files.size(part(target)), "kept for a resume");
        assertFalse(Files.exists(target));
        assertEquals(PullProgress.State.FAILED, progress.last().state());
        assertEquals(PullException.Kind.CANCELLED,
                failure(puller.pull(request("/m.gguf", target, SHA), PullListener.NONE)).kind());
    }

    @Test
    void shouldDropAFailingListenerAndFinishTheDownload() throws Exception {
        server.route("/m.gguf", FileServer.file(DATA));
        Path target = dir.resolve("m.gguf");
        int[] calls = {0};
        PullListener broken = p -> {
            calls[0]++;
            throw new IllegalStateException("client went away");
        };

        assertEquals(target, await(puller.pull(request("/m.gguf", target, SHA), broken)));
        assertEquals(1, calls[0]);
    }
}
