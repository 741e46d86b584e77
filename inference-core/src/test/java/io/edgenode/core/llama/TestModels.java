package io.edgenode.core.llama;

import io.edgenode.store.synth.ModelPreset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Models for tests: synthetic ones generated once per build into target/, and the optional shared one. */
public final class TestModels {
    /** surefire runs in the module folder, so this is this module's target/. */
    public static final Path DIR = Path.of("target", "test-models").toAbsolutePath();

    private TestModels() {}

    public static Path tiny(QuantType type) {
        return SyntheticModels.cached(DIR, ModelPreset.TINY, type);
    }

    /** {@code ../shared/models/llama-2-tiny-random.gguf} beside the project, when present. */
    public static Optional<Path> sharedTinyRandom() {
        Path p = Path.of(System.getProperty("edgenode.home", ".")).resolve("../shared/models/llama-2-tiny-random.gguf")
                .normalize();
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
}
