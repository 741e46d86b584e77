package io.edgenode.core.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Jinjava and its JUEL are reached through {@link JinjavaAdapter} only: no other main source file of
 * any module names their packages (imports, qualified names, reflection by class name).
 */
class JinjavaBoundaryTest {

    /** Jinjava's packages and JUEL's, shaded by Jinjava ({@code jinjava.}) or not. */
    static final Pattern ENGINE_PACKAGES =
            Pattern.compile("\\b(com\\.hubspot\\.jinjava|(jinjava\\.)?javax\\.el|(jinjava\\.)?de\\.odysseus|jakarta\\.el)\\b");
    static final Path ADAPTER = Path.of("inference-core", "src", "main", "java", "io", "edgenode", "core", "chat",
            "JinjavaAdapter.java");

    /** The repository root: the working directory (the module's, under Maven) or a parent holding the adapter. */
    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(ADAPTER))) {
                return dir;
            }
        }
        throw new AssertionError("no " + ADAPTER + " above " + Path.of("").toAbsolutePath());
    }

    static List<Path> mainSources(Path root) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            for (Path module : modules.filter(m -> Files.isDirectory(m.resolve("src/main/java"))).toList()) {
                try (Stream<Path> s = Files.walk(module.resolve("src/main/java"))) {
                    s.filter(p -> p.toString().endsWith(".java")).forEach(files::add);
                }
            }
        }
        return files;
    }

    @Test
    void shouldReachJinjavaOnlyThroughTheAdapter() throws IOException {
        Path root = root();
        List<Path> sources = mainSources(root);
        List<String> offenders = new ArrayList<>();
        for (Path file : sources) {
            if (file.endsWith(ADAPTER)) {
                continue;
            }
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = ENGINE_PACKAGES.matcher(lines.get(i));
                if (m.find()) {
                    offenders.add(root.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertEquals(List.of(), offenders, "Jinjava/JUEL outside " + ADAPTER
                + ": put the code behind the adapter and talk to it through CompiledTemplate and plain values");
        // Not vacuous: the scan saw every module, and the adapter is where the engine is used.
        assertTrue(sources.stream().anyMatch(p -> p.toString().contains("node-server")), "node-server scanned");
        assertTrue(sources.stream().anyMatch(p -> p.endsWith(Path.of("core", "chat", "ChatTemplate.java"))));
        assertTrue(ENGINE_PACKAGES.matcher(Files.readString(root.resolve(ADAPTER))).find(), "the adapter uses Jinjava");
    }
}
