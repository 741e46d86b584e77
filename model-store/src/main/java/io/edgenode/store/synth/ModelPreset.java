package io.edgenode.store.synth;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Named shapes for synthetic models. Hidden and FFN sizes are multiples of 256 so that every ggml
 * quantization, K-quants included, applies to them.
 */
public enum ModelPreset {
    /** For tests: about 1M parameters, under 5 MB as F32. */
    TINY("tiny", new ModelShape(256, 2, 4, 2, 256, 4096, 384)),
    /** About 240M parameters (Llama-2-style vocabulary size, GQA 16:4). */
    BENCH_200M("bench-200m", new ModelShape(1024, 16, 16, 4, 2816, 4096, 32000)),
    /** TinyLlama-1.1B's shape: about 1.1B parameters, 2.2 GB as F16. */
    BENCH_1B("bench-1b", new ModelShape(2048, 22, 32, 4, 5632, 2048, 32000));

    private final String id;
    private final ModelShape shape;

    ModelPreset(String id, ModelShape shape) {
        this.id = id;
        this.shape = shape;
    }

    /** The name used on the command line: "tiny", "bench-200m", "bench-1b". */
    public String id() {
        return id;
    }

    public ModelShape shape() {
        return shape;
    }

    /** The preset called {@code name} (case-insensitive), if any. */
    public static Optional<ModelPreset> byName(String name) {
        for (ModelPreset p : values()) {
            if (p.id.equalsIgnoreCase(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * The preset called {@code name}.
     *
     * @throws IllegalArgumentException naming the valid presets when there is none
     */
    public static ModelPreset fromName(String name) {
        return byName(name).orElseThrow(() -> new IllegalArgumentException("unknown model preset '" + name
                + "'; known presets: " + Arrays.stream(values()).map(ModelPreset::id).collect(Collectors.joining(", "))));
    }
}
