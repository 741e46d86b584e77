package io.edgenode.store.pull;

import static io.edgenode.store.pull.PullTesting.await;
import static io.edgenode.store.pull.PullTesting.failure;
import static io.edgenode.store.pull.PullTesting.randomBytes;
import static io.edgenode.store.pull.PullTesting.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Hugging Face token goes to the hub's host only: a local "hub" (the HF endpoint, on
 * 127.0.0.1) redirects to a local "CDN" under another host name (localhost), as huggingface.co
 * redirects LFS files to its CDN.
 */
class HuggingFaceTokenTest {
    private static final byte[] DATA = randomBytes(700_001, 5);

    @TempDir
    Path dir;

    FileServer hub;
    FileServer cdn;
    URI endpoint;

    @BeforeEach
    void start() throws IOException {
        hub = new FileServer();
        cdn = new FileServer();
        endpoint = URI.create("http://127.0.0.1:" + hub.port());
        cdn.route("/cdn/model.gguf", FileServer.file(DATA));
        hub.route("/owner/repo/resolve/main/model.gguf",
                FileServer.redirect(302, URI.create("http://localhost:" + cdn.port() + "/cdn/model.gguf")));
        hub.route("/owner/repo/resolve/v2/sub/model.gguf", FileServer.file(DATA));
        hub.route("/owner/gated/resolve/main/model.gguf", FileServer.status(401));
    }

    @AfterEach
    void stop() {
        hub.close();
        cdn.close();
    }

    private Path pull(Map<String, String> env, String spec) throws Exception {
        try (ModelPuller puller = new ModelPuller(ModelPuller.newHttpClient(), env, DiskSpace.FILE_STORE)) {
            PullRequest r = new PullRequest(ModelSource.parse(spec, endpoint), dir.resolve("model.gguf"),
                    Optional.of(sha256(DATA)));
            Files.deleteIfExists(r.target());
            return await(puller.pull(r, PullListener.NONE));
        }
    }

    @Test
    void shouldSendTheTokenToTheHubButNotToTheCdnItRedirectsTo() throws Exception {
        Path got = pull(Map.of("HF_TOKEN", "hf_secret"), "hf://owner/repo/model.gguf");

        assertArrayEquals(DATA, Files.readAllBytes(got));
        assertEquals(Optional.of("Bearer hf_secret"), hub.requests.getFirst().header("Authorization"));
        assertEquals(1, cdn.requests.size());
        assertEquals(Optional.empty(), cdn.requests.getFirst().header("Authorization"));
    }

    @Test
    void shouldResolveRevisionsAndReadTheOlderTokenVariable() throws Exception {
        pull(Map.of("HUGGING_FACE_HUB_TOKEN", "hf_old"), "hf://owner/repo@v2/sub/model.gguf");

        assertEquals("/owner/repo/resolve/v2/sub/model.gguf", hub.requests.getFirst().path());
        assertEquals(Optional.of("Bearer hf_old"), hub.requests.getFirst().header("Authorization"));
    }

    @Test
    void shouldNeverSendTheTokenToOtherHosts() throws Exception {
        pull(Map.of("HF_TOKEN", "hf_secret"), "http://localhost:" + cdn.port() + "/cdn/model.gguf");

        assertEquals(Optional.empty(), cdn.requests.getFirst().header("Authorization"));
    }

    @Test
    void shouldSendNoAuthorizationWithoutAToken() throws Exception {
        pull(Map.of(), "hf://owner/repo/model.gguf");

        assertEquals(Optional.empty(), hub.requests.getFirst().header("Authorization"));
    }

    @Test
    void shouldExplainA401FromTheHub() throws Exception {
        try (ModelPuller puller = new ModelPuller(ModelPuller.newHttpClient(), Map.of(), DiskSpace.FILE_STORE)) {
            PullRequest r = new PullRequest(ModelSource.parse("hf://owner/gated/model.gguf", endpoint),
                    dir.resolve("model.gguf"), Optional.empty());
            PullException e = failure(puller.pull(r, PullListener.NONE));

            assertEquals(401, e.httpStatus());
            assertEquals("HTTP 401 (Unauthorized) from " + endpoint + "/owner/gated/resolve/main/model.gguf"
                    + ": the repo is gated or private; set HF_TOKEN to a Hugging Face token with access", e.getMessage());
            assertTrue(Files.notExists(r.target()));
        }
    }
}
