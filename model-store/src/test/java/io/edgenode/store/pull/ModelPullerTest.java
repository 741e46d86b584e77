package io.edgenode.store.pull;

import static io.edgenode.store.pull.PullTesting.await;
import static io.edgenode.store.pull.PullTesting.failure;
import static io.edgenode.store.pull.PullTesting.part;
import static io.edgenode.store.pull.PullTesting.randomBytes;
import static io.edgenode.store.pull.PullTesting.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.store.gguf.GgufFile;
import io.edgenode.store.gguf.GgufModelInfo;
import io.edgenode.store.pull.PullTesting.Recorder;
import io.edgenode.store.synth.ModelPreset;
import io.edgenode.store.synth.SyntheticModelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls against a real HTTP server on an ephemeral port: resume, restart, checksums, errors. */
class ModelPullerTest {
    private static final byte[] DATA = randomBytes(3 * 1024 * 1024 + 17, 7);
    private static final String SHA = sha256(DATA);
    private static final URI NO_HF = URI.create("https://huggingface.co");

    @TempDir
    Path dir;

    FileServer server;
    ModelPuller puller;

    @BeforeEach
    void start() throws IOException {
        server = new FileServer();
        puller = new ModelPuller(ModelPuller.newHttpClient(), Map.of(), DiskSpace.FILE_STORE, Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        puller.close();
        server.close();
    }

    private PullRequest request(String path, Path target, String sha) {
        return new PullRequest(ModelSource.parse(server.uri(path).toString(), NO_HF), target, Optional.ofNullable(sha));
    }

    @Test
    void shouldPublishAVerifiedSyntheticModelAndReportProgress() throws Exception {
        Path made = dir.resolve("made.gguf");
        SyntheticModelBuilder.of(ModelPreset.TINY).write(made);
        byte[] gguf = Files.readAllBytes(made);
        server.route("/tiny.gguf", FileServer.file(gguf));
        Path target = dir.resolve("models/sub/tiny.gguf");
        Recorder progress = new Recorder();

        PullResult r = await(puller.pullResult(request("/tiny.gguf", target, sha256(gguf).toUpperCase()), progress));

        assertEquals(target, r.target());
        assertEquals(sha256(gguf), r.sha256Hex());
        assertTrue(r.downloaded());
        assertArrayEquals(gguf, Files.readAllBytes(target));
        assertFalse(Files.exists(part(target)), "the .part file is renamed onto the target");
        try (GgufFile f = GgufFile.open(target)) {
            assertEquals("llama", GgufModelInfo.of(f).architecture());
        }
        assertTrue(progress.saw(PullProgress.State.DOWNLOADING));
        assertTrue(progress.saw(PullProgress.State.VERIFYING));
        PullProgress last = progress.last();
        assertEquals(PullProgress.State.DONE, last.state());
        assertEquals(gguf.length, last.bytesDone());
        assertEquals(gguf.length, last.totalBytes());
        assertEquals(1.0, last.fraction());
        assertTrue(puller.progress(target).isEmpty(), "a finished pull is forgotten");
    }

    @Test
    void shouldReportTheComputedDigestWhenNoneIsExpected() throws Exception {
        server.route("/m.gguf", FileServer.file(DATA));
        PullResult r = await(puller.pullResult(request("/m.gguf", dir.resolve("m.gguf"), null), PullListener.NONE));
        assertEquals(SHA, r.sha256Hex());
        assertEquals(DATA.length, r.sizeBytes());
    }

    @Test
    void shouldResumeACutOffPullFromItsPartFile() throws Exception {
        int cut = 1024 * 1024 + 123;
        server.route("/m.gguf", FileServer.cutOnce(DATA, cut));
        Path target = dir.resolve("m.gguf");

        PullException first = failure(puller.pull(request("/m.gguf", target, SHA), PullListener.NONE));
        assertEquals(PullException.Kind.IO, first.kind(), first.getMessage());
        assertTrue(first.getMessage().contains("broke off after"), first.getMessage());
        assertTrue(first.getMessage().contains(server.uri("/m.gguf").toString()), first.getMessage());
        assertTrue(first.getMessage().contains("pull again to resume"), first.getMessage());
        assertFalse(Files.exists(target));
        long kept = Files.size(part(target));
        assertTrue(kept > 0 && kept <= cut, "kept " + kept);
        assertArrayEquals(Arrays.copyOf(DATA, (int) kept), Files.readAllBytes(part(target)), "the .part is a prefix");

        Recorder progress = new Recorder();
        Path done = await(puller.pull(request("/m.gguf", target, SHA), progress));

        assertEquals(2, server.requests.size());
        assertEquals(Optional.empty(), server.requests.get(0).header("Range"));
        assertEquals(Optional.of("bytes=" + kept + "-"), server.requests.get(1).header("Range"));
        assertArrayEquals(DATA, Files.readAllBytes(done));
        assertEquals(SHA, sha256(Files.readAllBytes(done)));
        assertFalse(Files.exists(part(target)));
        assertTrue(progress.seen.stream().allMatch(p -> p.bytesDone() >= kept || p.state() == PullProgress.State.STARTING),
                "a resumed pull counts the kept bytes");
    }

    @Test
    void shouldRestartCleanlyWhenTheServerIgnoresRange() throws Exception {
        server.route("/m.gguf", FileServer.ignoringRange(DATA));
        Path target = dir.resolve("m.gguf");
        // Bytes that are not a prefix of the file: appending to them would fail the checksum.
        Files.write(part(target), randomBytes(500_000, 99));

        Path done = await(puller.pull(request("/m.gguf", target, SHA), PullListener.NONE));

        assertEquals(Optional.of("bytes=500000-"), server.requests.getFirst().header("Range"));
        assertEquals(1, server.requests.size());
        assertArrayEquals(DATA, Files.readAllBytes(done));
        assertFalse(Files.exists(part(target)));
    }

    @Test
    void shouldTreatACompletePartFileAsDoneWhenTheServerAnswers416() throws Exception {
        server.route("/m.gguf", FileServer.file(DATA));
        Path target = dir.resolve("m.gguf");
        Files.write(part(target), DATA);

        PullResult r = await(puller.pullResult(request("/m.gguf", target, SHA), PullListener.NONE));

        assertEquals(Optional.of("bytes=" + DATA.length + "-"), server.requests.getFirst().header("Range"));
        assertEquals(SHA, r.sha256Hex());
        assertArrayEquals(DATA, Files.readAllBytes(target));
    }

    @Test
    void shouldPublishNothingAndDeleteThePartOnAChecksumMismatch() throws Exception {
        server.route("/m.gguf", FileServer.file(DATA));
        Path target = dir.resolve("m.gguf");
        String wrong = sha256(new byte[] {1, 2, 3});

        PullException e = failure(puller.pull(request("/m.gguf", target, wrong), PullListener.NONE));

        assertEquals(PullException.Kind.CHECKSUM_MISMATCH, e.kind());
        assertTrue(e.getMessage().contains("expected " + wrong), e.getMessage());
        assertTrue(e.getMessage().contains("got " + SHA), e.getMessage());
        assertFalse(Files.exists(target), "nothing published");
        assertFalse(Files.exists(part(target)), "wrong bytes are not kept for a resume");
    }

    @Test
    void shouldNotTouchTheNetworkWhenTheTargetAlreadyMatches() throws Exception {
        server.route("/m.gguf", FileServer.file(DATA));
        Path target = Files.write(dir.resolve("m.gguf"), DATA);

        PullResult r = await(puller.pullResult(request("/m.gguf", target, SHA), PullListener.NONE));

        assertFalse(r.downloaded());
        assertEquals(0, server.requests.size());
    }

    @Test
    void shouldReplaceATargetWhoseDigestDiffers() throws Exception {
        server.route("/m.gguf", FileServer.file(DATA));
        Path target = Files.write(dir.resolve("m.gguf"), new byte[] {9, 9, 9});

        PullResult r = await(puller.pullResult(request("/m.gguf", target, SHA), PullListener.NONE));

        assertTrue(r.downloaded());
        assertArrayEquals(DATA, Files.readAllBytes(target));
    }

    @Test
    void shouldNameTheUrlAndStatusOnHttpErrors() throws Exception {
        server.route("/missing.gguf", FileServer.status(404));
        Path target = dir.resolve("missing.gguf");
        Recorder progress = new Recorder();

        PullException e = failure(puller.pull(request("/missing.gguf", target, null), progress));

        assertEquals(PullException.Kind.HTTP_STATUS, e.kind());
        assertEquals(404, e.httpStatus());
        assertEquals("HTTP 404 (Not Found) from " + server.uri("/missing.gguf"), e.getMessage());
        assertFalse(Files.exists(target));
        assertFalse(Files.exists(part(target)), "an empty .part is not left behind");
        assertEquals(PullProgress.State.FAILED, progress.last().state());
        assertEquals(Optional.of(e.getMessage()), progress.last().error());
    }

    @Test
    void shouldSayCannotConnectWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI url = URI.create("http://127.0.0.1:" + port + "/m.gguf");
        PullRequest r = new PullRequest(ModelSource.parse(url.toString(), NO_HF), dir.resolve("m.gguf"), Optional.empty());

        PullException e = failure(puller.pull(r, PullListener.NONE));

        assertEquals(PullException.Kind.OFFLINE, e.kind());
        assertEquals("cannot connect to 127.0.0.1:" + port + " (" + url + "): connection refused", e.getMessage());
    }

    @Test
    void shouldSayCannotConnectForAnUnknownHost() throws Exception {
        PullRequest r = new PullRequest(ModelSource.parse("http://no-such-host.invalid/m.gguf", NO_HF),
                dir.resolve("m.gguf"), Optional.empty());

        PullException e = failure(puller.pull(r, PullListener.NONE));

        assertEquals(PullException.Kind.OFFLINE, e.kind());
        assertTrue(e.getMessage().startsWith("cannot connect to no-such-host.invalid"), e.getMessage());
    }

    @Test
    void shouldRefuseWhenTheDownloadExceedsTheFreeSpace() throws Exception {
        server.route("/m.gguf", FileServer.file(DATA));
        Path target = dir.resolve("m.gguf");
        Path[] probed = new Path[1];
        try (ModelPuller small = new ModelPuller(ModelPuller.newHttpClient(), Map.of(), d -> {
            probed[0] = d;
            return 1024 * 1024;
        })) {
            PullException e = failure(small.pull(request("/m.gguf", target, null), PullListener.NONE));

            assertEquals(PullException.Kind.INSUFFICIENT_DISK, e.kind());
            assertEquals("not enough disk space for " + target + ": needs 3.0 MiB more, 1.0 MiB free in " + dir,
                    e.getMessage());
            assertEquals(dir, probed[0]);
            assertFalse(Files.exists(target));
        }
    }

    @Test
    void shouldFailAStalledTransferAfterTheIdleTimeoutAndKeepItsBytes() throws Exception {
        server.route("/m.gguf", server.stallAfter(DATA, 200_000));
        Path target = dir.resolve("m.gguf");
        try (ModelPuller impatient = new ModelPuller(ModelPuller.newHttpClient(), Map.of(), DiskSpace.FILE_STORE,
                Duration.ofMillis(300))) {
            long t0 = System.nanoTime();
            PullException e = failure(impatient.pull(request("/m.gguf", target, null), PullListener.NONE));

            assertEquals(PullException.Kind.IO, e.kind());
            assertEquals("no data from " + server.uri("/m.gguf") + " for 300 ms; the server stalled (pull again to resume)",
                    e.getMessage());
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(10).toNanos());
            assertEquals(200_000, Files.size(part(target)));
        }
    }

    @Test
    void shouldFollowRedirectsAndGiveUpOnLoops() throws Exception {
        server.route("/old.gguf", FileServer.redirect(301, URI.create("/new.gguf")));
        server.route("/new.gguf", FileServer.file(DATA));
        server.route("/loop", FileServer.redirect(302, URI.create("/loop")));

        assertArrayEquals(DATA, Files.readAllBytes(await(puller.pull(request("/old.gguf", dir.resolve("a.gguf"), SHA),
                PullListener.NONE))));
        PullException e = failure(puller.pull(request("/loop", dir.resolve("b.gguf"), null), PullListener.NONE));
        assertEquals("too many redirects (more than 10) from " + server.uri("/loop"), e.getMessage());
    }

    @Test
    void shouldRefuseAClientThatFollowsRedirectsItself() {
        var client = java.net.http.HttpClient.newBuilder().followRedirects(java.net.http.HttpClient.Redirect.NORMAL).build();
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new ModelPuller(client, Map.of(), DiskSpace.FILE_STORE));
        assertTrue(e.getMessage().contains("Redirect.NEVER"), e.getMessage());
    }
}
