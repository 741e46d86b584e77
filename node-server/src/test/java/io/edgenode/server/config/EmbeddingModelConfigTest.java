package io.edgenode.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.embed.BuiltinEmbeddingModel;
import io.edgenode.core.embed.InputBatching;
import io.edgenode.core.embed.LlamaEmbedderConfig;
import io.edgenode.core.embed.Pooling;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** models.yaml entries with {@code kind: embedding}. */
class EmbeddingModelConfigTest {
    @TempDir
    Path dir;

    private NodeConfig parse(String yaml) {
        return NodeConfigReader.parse(yaml, dir, "test.yaml");
    }

    private void assertError(String expected, String yaml) {
        assertEquals(expected, assertThrows(ConfigException.class, () -> parse(yaml)).getMessage());
    }

    @Test
    void shouldServeTheBuiltinMiniLmFromTheRepositoryModelsYaml() {
        NodeConfig config = NodeConfigReader.read(NodeConfigReaderTest.repoModelsYaml());
        EmbeddingModelSpec spec = config.embeddingModel("text-embedding-minilm").orElseThrow();
        assertEquals("all-minilm-l6-v2-q", spec.id());
        assertEquals(Optional.of(BuiltinEmbeddingModel.ALL_MINILM_L6_V2_Q), spec.builtin());
        assertEquals(Pooling.MEAN, spec.pooling());
        assertEquals(32, spec.maxBatch());
        assertEquals(List.of("demo"), config.models().stream().map(ModelSpec::id).toList(),
                "the embedding model is not a generation model");
        assertTrue(config.model("all-minilm-l6-v2-q").isEmpty());
    }

    @Test
    void shouldReadEveryKeyOfAnOnnxFileModel() {
        NodeConfig config = parse("""
                models:
                  - id: bge
                    kind: embedding
                    path: models/bge.onnx
                    tokenizer: models/bge-tokenizer.json
                    aliases: [bge-small]
                    pooling: cls
                    max_input_tokens: 256
                    max_batch: 64
                    input_batching: shared
                    batch_wait: 2ms
                    threads: 2
                    workers: 3
                    max_queue: 10
                  - id: demo
                    kind: generation
                    path: demo.gguf
                """);
        EmbeddingModelSpec bge = config.embeddingModel("bge-small").orElseThrow();
        assertEquals(new EmbeddingModelSpec("bge", List.of("bge-small"), Optional.empty(),
                Optional.of(dir.resolve("models/bge.onnx")), Optional.of(dir.resolve("models/bge-tokenizer.json")),
                Pooling.CLS, 256, 64, 2, 3, 10, Duration.ofMillis(2), InputBatching.SHARED), bge);
        assertTrue(config.model("demo").orElseThrow().preload(), "the first generation model is preloaded");
    }

    @Test
    void shouldDefaultToTheBuiltinsPoolingAndNoWait() {
        EmbeddingModelSpec s = parse("""
                models:
                  - id: demo
                    path: demo.gguf
                  - id: e
                    kind: embedding
                    builtin: all-minilm-l6-v2-q
                """).embeddingModels().getFirst();
        assertEquals(EmbeddingModelSpec.builtin("e", BuiltinEmbeddingModel.ALL_MINILM_L6_V2_Q), s);
    }

    @Test
    void shouldRunAGgufPathWithoutTokenizerThroughLlamaCppWithTheModelsContextByDefault() {
        NodeConfig config = parse("""
                models:
                  - id: nomic
                    kind: embedding
                    path: models/nomic-embed.Q8_0.GGUF
                    pooling: last
                    max_batch: 16
                    threads: 4
                  - id: own
                    kind: embedding
                    path: own.gguf
                    pooling: model
                    max_input_tokens: 8192
                """);
        EmbeddingModelSpec nomic = config.embeddingModel("nomic").orElseThrow();
        assertTrue(nomic.gguf());
        assertEquals(Optional.empty(), nomic.tokenizer());
        assertEquals(Pooling.LAST, nomic.pooling());
        assertEquals(LlamaEmbedderConfig.MODEL_CONTEXT, nomic.maxInputTokens());
        assertEquals(new LlamaEmbedderConfig("nomic", Pooling.LAST, LlamaEmbedderConfig.MODEL_CONTEXT, 16, 4),
                nomic.llamaConfig());
        EmbeddingModelSpec own = config.embeddingModel("own").orElseThrow();
        assertEquals(Pooling.MODEL, own.pooling());
        assertEquals(8192, own.maxInputTokens());
        assertEquals(Pooling.MEAN, parse("""
                models:
                  - id: e
                    kind: embedding
                    path: e.gguf
                """).embeddingModel("e").orElseThrow().pooling());
    }

    @Test
    void shouldRefuseWhatAGgufModelCannotTake() {
        assertError("test.yaml:5:5: models[0].tokenizer: is not used by a .gguf model (its vocabulary is in the"
                + " file), got \"t.json\"", """
                models:
                  - id: e
                    kind: embedding
                    path: e.gguf
                    tokenizer: t.json
                """);
        assertError("test.yaml:5:5: models[0].workers: must be 1 for a .gguf model (one llama.cpp context, one"
                + " thread), got 2", """
                models:
                  - id: e
                    kind: embedding
                    path: e.gguf
                    workers: 2
                """);
        assertError("test.yaml:5:5: models[0].max_batch: must be an integer from 1 to 256 for a .gguf model, got 300",
                """
                models:
                  - id: e
                    kind: embedding
                    path: e.gguf
                    max_batch: 300
                """);
        assertError("test.yaml:5:5: models[0].pooling: must be mean or cls, got \"last\"", """
                models:
                  - id: e
                    kind: embedding
                    builtin: all-minilm-l6-v2-q
                    pooling: last
                """);
    }

    @Test
    void shouldReportMistakesAtTheirKey() {
        assertError("test.yaml:4:5: models[0].kind: must be generation or embedding, got \"vision\"", """
                models:
                  - id: a
                    path: a.gguf
                    kind: vision
                """);
        assertError("test.yaml:4:5: models[0].builtin: must be the name of a bundled model (all-minilm-l6-v2-q),"
                + " got \"bert\"", """
                models:
                  - id: e
                    kind: embedding
                    builtin: bert
                """);
        assertError("test.yaml:5:5: models[0].path: cannot be given with builtin, got \"x.onnx\"", """
                models:
                  - id: e
                    kind: embedding
                    builtin: all-minilm-l6-v2-q
                    path: x.onnx
                """);
        assertError("test.yaml:2:5: models[0].tokenizer: required but missing", """
                models:
                  - id: e
                    kind: embedding
                    path: x.onnx
                """);
        assertError("test.yaml:5:5: models[0].pooling: must be mean or cls, got \"max\"", """
                models:
                  - id: e
                    kind: embedding
                    builtin: all-minilm-l6-v2-q
                    pooling: max
                """);
        assertError("test.yaml:5:5: models[0].max_batch: must be an integer from 1 to 2048, got 0", """
                models:
                  - id: e
                    kind: embedding
                    builtin: all-minilm-l6-v2-q
                    max_batch: 0
                """);
        assertError("test.yaml:5:5: models[0].parallel: unknown key (known: id, kind, builtin, path, tokenizer, aliases,"
                + " pooling, max_input_tokens, max_batch, input_batching, batch_wait, threads, workers, max_queue;"
                + " your own keys need an 'x-' prefix)", """
                models:
                  - id: e
                    kind: embedding
                    builtin: all-minilm-l6-v2-q
                    parallel: 2
                """);
    }

    @Test
    void shouldShareOneNamespaceWithGenerationModels() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("""
                models:
                  - id: a
                    path: a.gguf
                  - id: e
                    kind: embedding
                    builtin: all-minilm-l6-v2-q
                    aliases: [a]
                """));
        assertTrue(e.getMessage().startsWith("test.yaml:7:15: models[1].aliases[0]:"), e.getMessage());
    }
}
