package io.edgenode.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.embed.InputBatching;
import io.edgenode.core.embed.Pooling;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.QuantType;
import io.edgenode.core.llama.SyntheticModels;
import io.edgenode.server.config.EmbeddingModelSpec;
import io.edgenode.server.config.NodeConfig;
import io.edgenode.server.config.NodeConfigReader;
import io.edgenode.server.node.ModelUnavailableException.Reason;
import io.edgenode.store.gguf.GgufFile;
import io.edgenode.store.gguf.GgufModelInfo;
import io.edgenode.store.synth.ModelPreset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Embedding models in the node's memory budget: reserved like preloaded models, never evicted. */
class EmbeddingBudgetTest {
    static final long MIB = 1 << 20;

    @Test
    void shouldCountAnEmbeddingReservationAgainstLaterLoads() throws Exception {
        ModelSlots slots = ModelSlotsTest.slots("a");
        assertEquals(List.of(), slots.reservePinned("minilm", 70 * MIB, 100 * MIB));
        ModelUnavailableException e = assertThrows(ModelUnavailableException.class,
                () -> slots.reserve("a", 40 * MIB, 100 * MIB));
        assertEquals(Reason.OVER_BUDGET, e.reason());
        assertTrue(e.getMessage().contains("minilm 70 MiB (busy or preloaded)"), e.getMessage());
        slots.releasePinned("minilm");
        assertEquals(List.of(), slots.reserve("a", 40 * MIB, 100 * MIB));
    }

    @Test
    void shouldEstimateAGgufModelAsItsFileOnceAndGrowWithTheRunsTokens() throws Exception {
        Path tiny = SyntheticModels.cached(Path.of("target", "test-models").toAbsolutePath(),
                ModelPreset.TINY, QuantType.F16);
        GgufModelInfo info;
        try (var f = GgufFile.open(tiny)) {
            info = GgufModelInfo.of(f);
        }
        long file = Files.size(tiny);
        EmbeddingMemory small = EmbeddingMemory.ofGguf(gguf(64, 8), info, file);
        EmbeddingMemory modelContext = EmbeddingMemory.ofGguf(gguf(0, 8), info, file); // 4096 tokens: TINY's context
        assertEquals(file, small.weightsBytes());
        assertTrue(small.computeBytes() >= ModelMemory.OVERHEAD_MIB * MIB, small.toString());
        assertTrue(modelContext.computeBytes() > small.computeBytes(), modelContext + " vs " + small);
    }

    private static EmbeddingModelSpec gguf(int maxInputTokens, int maxBatch) {
        return new EmbeddingModelSpec("e", List.of(), Optional.empty(), Optional.of(Path.of("e.gguf")),
                Optional.empty(), Pooling.MEAN, maxInputTokens, maxBatch, 1, 1, 8,
                Duration.ZERO, InputBatching.AUTO);
    }

    @Test
    void shouldRefuseAnEmbeddingModelThatDoesNotFit() throws Exception {
        ModelSlots slots = ModelSlotsTest.slots("a");
        slots.reserve("a", 60 * MIB, 100 * MIB);
        ModelUnavailableException e = assertThrows(ModelUnavailableException.class,
                () -> slots.reservePinned("minilm", 70 * MIB, 100 * MIB));
        assertTrue(e.getMessage().contains("model minilm needs 70 MiB but the memory budget is 100 MiB"),
                e.getMessage());
    }

    @Test
    void shouldFailTheEmbeddingModelWhenTheBudgetIsTooSmallAndSayWhy() throws Exception {
        NodeConfig config = NodeConfigReader.parse("""
                server:
                  memory_budget: 8MiB
                models:
                  - id: demo
                    path: nowhere.gguf
                    preload: false
                  - id: minilm
                    kind: embedding
                    builtin: all-minilm-l6-v2-q
                """, Path.of("target"), "budget.yaml");
        try (ModelHost host = new ModelHost(LlamaLibrary.load(), config)) {
            host.startLoading();
            EmbeddingModelSpec spec = host.embeddingSpec("minilm").orElseThrow();
            ModelUnavailableException e = assertThrows(ModelUnavailableException.class,
                    () -> host.embedder(spec, Duration.ofSeconds(30)));
            assertEquals(Reason.OVER_BUDGET, e.reason());
            assertTrue(e.getMessage().contains("memory budget is 8 MiB"), e.getMessage());
            ModelStatus status = host.statuses().stream().filter(s -> s.id().equals("minilm")).findFirst()
                    .orElseThrow();
            assertEquals(ModelStatus.State.FAILED, status.state());
            assertTrue(status.error().orElseThrow().contains("needs"), status.toString());
            assertTrue(!host.isReady());
        }
    }
}
