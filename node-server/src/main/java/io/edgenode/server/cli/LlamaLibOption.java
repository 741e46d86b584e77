package io.edgenode.server.cli;

import io.edgenode.core.llama.LlamaLibrary;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Confined to the command's thread (picocli sets it, the command reads it): {@code --llama-lib
 * DIR}, a picocli mixin ({@code @Mixin}) of the commands that run llama.cpp. The folder comes
 * before {@code EDGENODE_LLAMA_LIB} and {@code native/build/<platform>} ({@code
 * NativeLibraryLocator}'s order).
 */
final class LlamaLibOption {
    @Option(names = "--llama-lib", paramLabel = "DIR",
            description = "Folder with libllama (default: EDGENODE_LLAMA_LIB, then native/build/<platform>).")
    Path dir;

    /** Loads llama.cpp from the folder given, else from the default places. */
    LlamaLibrary load() {
        return LlamaLibrary.load(dir);
    }
}
