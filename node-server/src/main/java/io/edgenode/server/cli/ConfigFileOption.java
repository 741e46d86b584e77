package io.edgenode.server.cli;

import io.edgenode.server.config.NodeConfig;
import io.edgenode.server.config.NodeConfigReader;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Confined to the command's thread (picocli sets it, the command reads it): {@code --config
 * FILE}, a picocli mixin ({@code @Mixin}) of the commands that read models.yaml, with the one
 * rule for finding it when the option is absent.
 */
final class ConfigFileOption {
    @Option(names = "--config", paramLabel = "FILE",
            description = "models.yaml (default: models.yaml in the project home if present, else the embedded default).")
    Path file;

    /** The file given, else {@code models.yaml} in {@code -Dedgenode.home} (or here), else the embedded default. */
    NodeConfig load() {
        if (file != null) {
            return NodeConfigReader.read(file);
        }
        Path home = Path.of(System.getProperty("edgenode.home", "."));
        Path found = home.resolve("models.yaml");
        return Files.isRegularFile(found) ? NodeConfigReader.read(found) : NodeConfig.defaults(home);
    }

    /** The file as messages name it. */
    String name() {
        return file != null ? file.toString() : "models.yaml";
    }
}
