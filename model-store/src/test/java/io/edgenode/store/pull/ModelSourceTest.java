package io.edgenode.store.pull;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

class ModelSourceTest {
    private static final URI HF = URI.create("https://huggingface.co");

    @Test
    void shouldResolveHuggingFaceFilesOnMain() {
        ModelSource s = ModelSource.parse("hf://bartowski/Llama-3.2-1B-Instruct-GGUF/Llama-3.2-1B-Instruct-Q4_K_M.gguf", HF);
        assertEquals(URI.create("https://huggingface.co/bartowski/Llama-3.2-1B-Instruct-GGUF/resolve/main/"
                + "Llama-3.2-1B-Instruct-Q4_K_M.gguf"), s.downloadUri());
        assertTrue(s.huggingFace());
        assertEquals("Llama-3.2-1B-Instruct-Q4_K_M.gguf", s.fileName());
    }

    @Test
    void shouldResolveARevisionAndANestedPath() {
        ModelSource s = ModelSource.parse("hf://owner/repo@v1.2/quants/q4/model file.gguf", HF);
        assertEquals("https://huggingface.co/owner/repo/resolve/v1.2/quants/q4/model%20file.gguf",
                s.downloadUri().toString());
        assertEquals("model file.gguf", s.fileName());
    }

    @Test
    void shouldResolveAgainstAnotherEndpointWithAPathPrefix() {
        ModelSource s = ModelSource.parse("hf://o/r/m.gguf", URI.create("http://mirror.lan:8080/hf/"));
        assertEquals(URI.create("http://mirror.lan:8080/hf/o/r/resolve/main/m.gguf"), s.downloadUri());
        assertTrue(s.huggingFace());
    }

    @Test
    void shouldTreatUrlsOnTheHubHostAsHuggingFaceAndOthersNot() {
        assertTrue(ModelSource.parse("https://huggingface.co/o/r/resolve/main/m.gguf", HF).huggingFace());
        ModelSource other = ModelSource.parse("http://models.lan/llama/m.gguf", HF);
        assertFalse(other.huggingFace());
        assertEquals("m.gguf", other.fileName());
        assertEquals(URI.create("http://models.lan/llama/m.gguf"), other.downloadUri());
    }

    @Test
    void shouldOfferTheTokenOnlyToTheHubHostAndItsSubdomains() {
        ModelSource hf = ModelSource.parse("hf://o/r/m.gguf", HF);
        assertTrue(hf.mayReceiveToken(URI.create("https://huggingface.co/o/r/resolve/main/m.gguf")));
        assertTrue(hf.mayReceiveToken(URI.create("https://cdn-lfs.huggingface.co/x")));
        assertFalse(hf.mayReceiveToken(URI.create("https://cas-bridge.xethub.hf.co/x")));
        assertFalse(hf.mayReceiveToken(URI.create("https://evilhuggingface.co/x")));
        ModelSource plain = ModelSource.parse("https://example.com/m.gguf", HF);
        assertFalse(plain.mayReceiveToken(URI.create("https://example.com/m.gguf")));
    }

    @Test
    void shouldRejectBadSourcesWithAClearMessage() {
        assertMessage("", "model source is empty");
        assertMessage("ftp://host/m.gguf", "unsupported model source 'ftp://host/m.gguf'");
        assertMessage("models/m.gguf", "unsupported model source");
        assertMessage("hf://owner/repo", "hf:// source needs owner, repo and file");
        assertMessage("hf://owner/repo/../m.gguf", "invalid file path");
        assertMessage("hf://owner/repo//m.gguf", "invalid file path");
        assertMessage("hf://owner/re po/m.gguf", "invalid Hugging Face repo 'owner/re po'");
        assertMessage("hf://owner/repo@/m.gguf", "invalid revision ''");
        assertMessage("https:///m.gguf", "URL has no host");
        assertMessage("https://user:pw@host/m.gguf", "must not carry credentials");
        assertMessage("https://host/a b.gguf", "not a valid URL");
    }

    @Test
    void shouldRefuseToInventAFileNameForAUrlWithoutOne() {
        ModelSource s = ModelSource.parse("https://host/", HF);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, s::fileName);
        assertTrue(e.getMessage().contains("name the output file"), e.getMessage());
    }

    private static void assertMessage(String spec, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelSource.parse(spec, HF));
        assertTrue(e.getMessage().contains(expected), () -> spec + " -> " + e.getMessage());
    }
}
