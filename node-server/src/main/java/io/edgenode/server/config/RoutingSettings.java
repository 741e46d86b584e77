package io.edgenode.server.config;

import java.util.Objects;
import java.util.Optional;

/**
 * The {@code server.routing:} section: how {@code "model": "auto"} picks a model. Auto takes the
 * smallest configured model whose per-sequence context fits the prompt; a prompt of at least
 * {@code autoLargeThresholdTokens} tokens goes to {@code autoLargeModel} when one is set.
 */
public record RoutingSettings(Optional<String> autoLargeModel, int autoLargeThresholdTokens) {
    /** The model name that asks for automatic routing; no model may be called this. */
    public static final String AUTO = "auto";
    public static final int DEFAULT_THRESHOLD = 2048;
    public static final RoutingSettings DEFAULTS = new RoutingSettings(Optional.empty(), DEFAULT_THRESHOLD);

    public RoutingSettings {
        Objects.requireNonNull(autoLargeModel, "autoLargeModel");
        if (autoLargeThresholdTokens < 1) {
            throw new IllegalArgumentException("threshold must be positive: " + autoLargeThresholdTokens);
        }
    }
}
