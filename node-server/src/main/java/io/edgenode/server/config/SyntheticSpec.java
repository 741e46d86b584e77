package io.edgenode.server.config;

import java.util.Objects;

/**
 * A synthetic model to create at the model's path on first start when the file is missing (no
 * network needed). Names are canonical: the preset's id ({@code tiny}, {@code bench-200m},
 * {@code bench-1b}) and the lower-case quantization ({@code q8_0}, {@code f16}, ...), as
 * {@code edgenode make-model} takes them.
 */
public record SyntheticSpec(String preset, String quant) {
    /** The quantization when {@code synthetic.quant} is left out (as {@code make-model}'s default). */
    public static final String DEFAULT_QUANT = "f16";

    public SyntheticSpec {
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(quant, "quant");
    }
}
