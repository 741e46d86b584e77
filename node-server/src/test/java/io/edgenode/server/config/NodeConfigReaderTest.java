package io.edgenode.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import io.edgenode.core.llama.ContextParams;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** models.yaml as users write it: the shipped file, defaults, paths, and an error per rule at the right place. */
class NodeConfigReaderTest {
    /** A commented-out line of the real-model examples: "  # - id: x" or "  #   path: y". */
    private static final Pattern EXAMPLE_LINE = Pattern.compile("  # (- |  )[a-z_0-9]+:.*");

    @TempDir
    Path dir;

    private NodeConfig parse(String yaml) {
        return NodeConfigReader.parse(yaml, dir, "test.yaml");
    }

    private void assertError(String expectedMessage, String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        assertEquals(expectedMessage, e.getMessage());
    }

    static Path repoModelsYaml() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("models.yaml")) && Files.isDirectory(d.resolve("node-server"))) {
                return d.resolve("models.yaml");
            }
        }
        throw new AssertionError("repository models.yaml not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void shouldReadTheRepositoryModelsYamlAsTheEmbeddedDefault() {
        Path file = repoModelsYaml();
        NodeConfig config = NodeConfigReader.read(file);
        Path root = file.toAbsolutePath().getParent();

        assertEquals(root, config.baseDir());
        assertEquals(new ServerSettings("127.0.0.1", 8080, root.resolve("data"), List.of(), 4194304), config.server());
        assertEquals(List.of(new ModelSpec("demo", root.resolve("models/demo-tiny-q8_0.gguf"),
                Optional.of(new SyntheticSpec("tiny", "q8_0")), List.of("default"), 8, 4096, 2, 0, 256, 64, true)),
                config.models());
        assertEquals(NodeConfig.defaults(root), config, "models.yaml and NodeConfig.defaults agree");
        assertEquals("demo", config.model("default").orElseThrow().id());
        assertEquals(config.models(), config.defaultModels());
    }

    @Test
    void shouldAcceptTheShippedRealModelExamplesOnceUncommented() {
        String shipped = readString(repoModelsYaml());
        String uncommented = shipped.lines()
                .map(l -> EXAMPLE_LINE.matcher(l).matches() ? "  " + l.substring(4) : l)
                .collect(Collectors.joining("\n"));
        NodeConfig config = parse(uncommented);
        assertEquals(List.of("demo", "llama-3.2-1b-instruct", "mistral-7b-instruct-v0.3"),
                config.models().stream().map(ModelSpec::id).toList());
        ModelSpec mistral = config.model("mistral").orElseThrow();
        assertEquals(-1, mistral.gpuLayers());
        assertEquals(dir.resolve("data/models/Mistral-7B-Instruct-v0.3-Q4_K_M.gguf"), mistral.path(),
                "a source without a path downloads to data_dir/models");
        assertEquals(Optional.of("hf://bartowski/Mistral-7B-Instruct-v0.3-GGUF/Mistral-7B-Instruct-v0.3-Q4_K_M.gguf"),
                mistral.source());
        assertEquals(Optional.empty(), mistral.sha256(), "the shipped checksum lines stay commented until filled in");
        assertFalse(mistral.preload());
        assertEquals(Optional.of(Duration.ofMinutes(10)), mistral.keepAlive());
        assertEquals(List.of("llama-3.2-1b-instruct"), mistral.fallbacks());
        ModelSpec llama = config.model("llama").orElseThrow();
        assertEquals(ContextParams.GgmlTypeId.Q8_0, llama.kvType());
        assertEquals(Optional.of(0.6f), llama.sampling().temperature());
        assertTrue(config.model("demo").orElseThrow().preload());
    }

    @Test
    void shouldReadTheLiveSessionSettings() {
        String models = "models:\n  - id: m\n    path: m.gguf\n";
        var live = parse("server:\n  live:\n    disconnect_grace: 0s\n    max_clients_per_session: 3\n"
                + "    max_message_bytes: 4KiB\n    ping_interval: 500ms\n    max_client_lag: 64\n"
                + "    retain_turns: 2\n    retain_for: 1m\n" + models).server().live();
        assertEquals(new io.edgenode.server.live.LiveSettings(java.time.Duration.ZERO, 3, 4096,
                java.time.Duration.ofMillis(500), 64, 2, java.time.Duration.ofMinutes(1)), live);
        assertEquals(io.edgenode.server.live.LiveSettings.DEFAULTS, parse(models).server().live());
        ConfigException e = assertThrows(ConfigException.class,
                () -> parse("server:\n  live:\n    max_client_lag: 2\n" + models));
        assertTrue(e.getMessage().contains("max_client_lag"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> parse("server:\n  live:\n    grace: 5s\n" + models));
        assertTrue(e.getMessage().contains("grace"), e.getMessage());
    }

    @Test
    void shouldReadTheJobSettings() {
        String models = "models:\n  - id: m\n    path: m.gguf\n";
        var jobs = parse(models + "jobs:\n  max_concurrent_runs: 8\n  missed: skip\n"
                + "  webhook_allow: [\"https://hooks.example.com/edgenode/\"]\n  webhook_timeout: 3s\n").jobs();
        assertEquals(new JobSettings(8, false, List.of("https://hooks.example.com/edgenode/"),
                java.time.Duration.ofSeconds(3)), jobs);
        assertEquals(JobSettings.DEFAULTS, parse(models).jobs());
        assertTrue(jobs.allowsWebhook(java.net.URI.create("https://HOOKS.example.com:443/edgenode/a?b=1")));
        assertFalse(jobs.allowsWebhook(java.net.URI.create("https://hooks.example.com/edgenode/../admin")));
        assertFalse(jobs.allowsWebhook(java.net.URI.create("https://hooks.example.com.evil.net/edgenode/")));
        assertFalse(jobs.allowsWebhook(java.net.URI.create("https://user@hooks.example.com/edgenode/")));
        assertThrows(ConfigException.class, () -> parse(models + "jobs:\n  missed: sometimes\n"));
        assertThrows(ConfigException.class, () -> parse(models + "jobs:\n  webhook_allow: [\"ftp://x/\"]\n"));
    }

    @Test
    void shouldReadTheRegistryKeys() {
        NodeConfig config = parse("""
                server:
                  memory_budget: 1.5GiB
                  routing: {auto_large_model: big, auto_large_threshold_tokens: 100}
                models:
                  - id: small
                    source: https://example.com/files/small.gguf?download=true
                    sha256: ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789
                    kv_type: Q4_0
                    keep_alive: 90s
                    sampling: {temperature: 0, top_k: 0, max_tokens: 12, repeat_penalty: 1.1}
                    fallbacks: [big]
                  - id: big
                    path: big.gguf
                    default: true
                    keep_alive: forever
                """);
        assertEquals((long) (1.5 * (1L << 30)), config.server().memoryBudgetBytes());
        assertEquals(new RoutingSettings(Optional.of("big"), 100), config.server().routing());
        ModelSpec small = config.models().get(0);
        assertEquals(dir.toAbsolutePath().resolve("data/models/small.gguf"), small.path());
        assertEquals(Optional.of("abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"), small.sha256());
        assertEquals(ContextParams.GgmlTypeId.Q4_0, small.kvType());
        assertEquals(Optional.of(Duration.ofSeconds(90)), small.keepAlive());
        assertEquals(new SamplingDefaults(Optional.of(0f), Optional.empty(), OptionalInt.of(0), Optional.empty(),
                Optional.of(1.1f), OptionalInt.of(12)), small.sampling());
        assertFalse(small.preload(), "the file names a preloaded model, so the first is not preloaded by default");
        assertTrue(config.models().get(1).preload(), "default is the older name of preload");
        assertEquals(Optional.empty(), config.models().get(1).keepAlive());
    }

    @Test
    void shouldMoveDownloadedModelsWithAnOverriddenDataDir() {
        NodeConfig config = parse("""
                models:
                  - {id: pulled, source: "hf://o/r/sub/p.gguf"}
                  - {id: local, path: models/l.gguf}
                """);
        Path elsewhere = dir.resolve("elsewhere").toAbsolutePath();
        NodeConfig moved = config.withServer(config.server().withMemoryBudget(0).withDataDir(elsewhere));
        assertEquals(elsewhere.resolve("models/p.gguf"), moved.models().get(0).path());
        assertEquals(dir.toAbsolutePath().resolve("models/l.gguf"), moved.models().get(1).path(),
                "a path of the config's own stays");
    }

    @Test
    void shouldReportRegistryMistakesWithLineAndField() {
        assertError("test.yaml:4:5: models[0].sha256: must be the file's SHA-256 as 64 hex digits, got \"00\"", """
                models:
                  - id: a
                    path: a.gguf
                    sha256: "00"
                """);
        assertError("test.yaml:3:5: models[0].source: is plain http:// and needs a sha256 beside it (or use https://),"
                + " got \"http://example.com/a.gguf\"", """
                models:
                  - id: a
                    source: http://example.com/a.gguf
                """);
        assertError("test.yaml:3:5: models[0].source: must be hf://owner/repo/file.gguf or an https:// URL of the"
                + " file (unsupported model source 'ftp://example.com/a.gguf': use hf://owner/repo/file.gguf,"
                + " hf://owner/repo@revision/file.gguf or an http(s):// URL), got \"ftp://example.com/a.gguf\"", """
                models:
                  - id: a
                    source: ftp://example.com/a.gguf
                """);
        assertError("test.yaml:4:20: models[0].fallbacks[1]: \"nope\" is not the id of a model in this file (known:"
                + " a, b)", """
                models:
                  - id: a
                    path: a.gguf
                    fallbacks: [b, nope]
                  - {id: b, path: b.gguf}
                """);
        assertError("test.yaml:4:5: models[0].keep_alive: must be a duration such as 30s, 5m, 1h (0: unload when"
                + " idle), or -1 / forever, got \"soon\"", """
                models:
                  - id: a
                    path: a.gguf
                    keep_alive: soon
                """);
        assertError("test.yaml:4:5: models[0].kv_type: must be one of f16, q8_0, q4_0, got \"q5_1\"", """
                models:
                  - id: a
                    path: a.gguf
                    kv_type: q5_1
                """);
        assertError("test.yaml:4:34: models[0].sampling.top_p: must be a number from 0 to 1, got 1.5", """
                models:
                  - id: a
                    path: a.gguf
                    sampling: {temperature: 0.7, top_p: 1.5}
                """);
        assertError("test.yaml:2:3: server.memory_budget: must be a size such as 6GiB, 512MiB or 8GB, or a number of"
                + " bytes (at least 1 byte), got \"lots\"", """
                server:
                  memory_budget: lots
                models: [{id: a, path: a.gguf}]
                """);
        assertError("test.yaml:2:13: server.routing.auto_large_model: \"huge\" is not the id of a model in this file"
                + " (known: a)", """
                server:
                  routing: {auto_large_model: huge}
                models: [{id: a, path: a.gguf}]
                """);
        assertError("test.yaml:5:5: models[0].default: is the older name of preload and must agree with it (true),"
                + " got false", """
                models:
                  - id: a
                    path: a.gguf
                    preload: true
                    default: false
                """);
        assertError("test.yaml:2:5: models[0].id: \"auto\" asks for automatic routing; choose another name, got"
                + " \"auto\"", """
                models:
                  - id: auto
                    path: a.gguf
                """);
        assertError("test.yaml:5:9: models[0].fallbacks[0]: a model cannot be its own fallback", """
                models:
                  - id: a
                    path: a.gguf
                    fallbacks: [a]
                """.replace("fallbacks: [a]", "fallbacks:\n      - a"));
    }

    @Test
    void shouldReadAChatTemplateFileRelativeToTheConfigAndRefuseAMissingOne()
            throws IOException {
        java.nio.file.Files.writeString(dir.resolve("hermes.jinja"), "{{ messages[0].content }}");
        NodeConfig config = NodeConfigReader.parse("""
                models:
                  - id: a
                    path: a.gguf
                    chat_template_file: hermes.jinja
                """, dir, "test.yaml");
        assertEquals(Optional.of(dir.toAbsolutePath().resolve("hermes.jinja")),
                config.models().get(0).chatTemplateFile());
        ConfigException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> NodeConfigReader.parse("""
                        models:
                          - id: a
                            path: a.gguf
                            chat_template_file: nope.jinja
                        """, dir, "test.yaml"));
        assertTrue(e.getMessage().startsWith("test.yaml:4:5: models[0].chat_template_file: must name a readable file"),
                e.getMessage());
    }

    @Test
    void shouldResolveRelativePathsAgainstTheConfigFilesFolder() throws IOException {
        Path sub = Files.createDirectories(dir.resolve("etc/edgenode"));
        Path file = sub.resolve("models.yaml");
        Path absolute = dir.resolve("elsewhere/abs.gguf").toAbsolutePath();
        Files.writeString(file, """
                server:
                  data_dir: state
                models:
                  - id: rel
                    path: ../../models/rel.gguf
                  - id: abs
                    path: %s
                """.formatted(absolute));
        NodeConfig config = NodeConfigReader.read(file);
        Path base = sub.toAbsolutePath().normalize();
        assertEquals(base, config.baseDir());
        assertEquals(base.resolve("state"), config.server().dataDir());
        assertEquals(dir.toAbsolutePath().resolve("models/rel.gguf"), config.models().get(0).path());
        assertEquals(absolute, config.models().get(1).path());
    }

    @Test
    void shouldApplyDefaultsToOmittedKeysAndMakeTheFirstModelDefault() {
        NodeConfig config = parse("""
                models:
                  - id: a
                    path: a.gguf
                  - id: b
                    path: b.gguf
                    parallel:
                """);
        assertEquals(ServerSettings.defaults(dir.toAbsolutePath()), config.server());
        ModelSpec a = config.models().get(0);
        assertEquals(new ModelSpec("a", dir.toAbsolutePath().resolve("a.gguf"), Optional.empty(), List.of(), 8, 4096,
                Runtime.getRuntime().availableProcessors(), 0, 256, 64, true), a);
        assertFalse(config.models().get(1).isDefault());
        assertEquals(8, config.models().get(1).parallel(), "a key without a value means its default");
        assertEquals(List.of(a), config.defaultModels());
    }

    @Test
    void shouldKeepSeveralDefaultsAndCanonicalSyntheticNames() {
        NodeConfig config = parse("""
                models:
                  - id: a
                    path: a.gguf
                    synthetic: {preset: TINY}
                  - {id: b, path: b.gguf, default: true, synthetic: {preset: bench-200m, quant: Q4_K_M}}
                  - {id: c, path: c.gguf, default: true}
                """);
        assertEquals(List.of("b", "c"), config.defaultModels().stream().map(ModelSpec::id).toList());
        assertEquals(Optional.of(new SyntheticSpec("tiny", "f16")), config.models().get(0).synthetic());
        assertEquals(Optional.of(new SyntheticSpec("bench-200m", "q4_k_m")), config.models().get(1).synthetic());
    }

    @Test
    void shouldIgnoreXPrefixedKeysAtEveryLevel() {
        NodeConfig config = parse("""
                x-owner: ops team
                server:
                  x-note: {anything: [goes]}
                models:
                  - id: a
                    path: a.gguf
                    x-ticket: 42
                    synthetic: {preset: tiny, x-why: tests}
                """);
        assertEquals("a", config.models().getFirst().id());
    }

    @Test
    void shouldReportAnInvalidIntegerAtItsKey() {
        assertError("test.yaml:7:5: models[0].parallel: must be an integer from 1 to 64, got \"eight\"", """
                server:
                  port: 8080
                models:
                  - id: demo
                    path: demo.gguf
                    aliases: [default]
                    parallel: eight
                """);
        assertError("test.yaml:4:5: models[0].parallel: must be an integer from 1 to 64, got 65", """
                models:
                  - id: demo
                    path: demo.gguf
                    parallel: 65
                """);
        assertError("test.yaml:4:5: models[0].parallel: must be an integer from 1 to 64, got \"8\"", """
                models:
                  - id: demo
                    path: demo.gguf
                    parallel: "8"
                """);
        assertError("test.yaml:4:5: models[0].context: must be a positive integer, got 99999999999", """
                models:
                  - id: demo
                    path: demo.gguf
                    context: 99999999999
                """);
        assertError("test.yaml:4:5: models[0].threads: must be a positive integer, got 1.5", """
                models:
                  - id: demo
                    path: demo.gguf
                    threads: 1.5
                """);
        assertError("test.yaml:4:5: models[0].gpu_layers: must be -1 (all layers), 0 (none) or a positive integer,"
                + " got -2", """
                models:
                  - id: demo
                    path: demo.gguf
                    gpu_layers: -2
                """);
        assertError("test.yaml:4:5: models[0].max_queue: must be a positive integer, got 0", """
                models:
                  - id: demo
                    path: demo.gguf
                    max_queue: 0
                """);
    }

    @Test
    void shouldCheckServerValues() {
        assertError("test.yaml:2:3: server.port: must be a port number from 0 to 65535, got 70000", """
                server:
                  port: 70000
                models: [{id: a, path: a.gguf}]
                """);
        assertError("test.yaml:2:3: server.port: must be a port number from 0 to 65535, got -1", """
                server:
                  port: -1
                models: [{id: a, path: a.gguf}]
                """);
        assertEquals(0, parse("server: {port: 0}\nmodels: [{id: a, path: a.gguf}]\n").server().port());
        assertError("test.yaml:2:3: server.max_body_bytes: must be a positive integer, got 0", """
                server:
                  max_body_bytes: 0
                models: [{id: a, path: a.gguf}]
                """);
        assertError("test.yaml:2:3: server.host: must be a host name or address, got \"my host\"", """
                server:
                  host: my host
                models: [{id: a, path: a.gguf}]
                """);
        assertError("test.yaml:4:7: server.cors_allowed_origins[1]: must be an origin such as"
                + " \"https://app.example.com\" (scheme and host, optional port, no path) or \"*\","
                + " got \"https://b.example.com/\"", """
                server:
                  cors_allowed_origins:
                    - https://a.example.com:8443
                    - https://b.example.com/
                models: [{id: a, path: a.gguf}]
                """);
        assertError("test.yaml:1:1: server: must be a mapping, got \"localhost\"", """
                server: localhost
                models: [{id: a, path: a.gguf}]
                """);
    }

    @Test
    void shouldRelateContextAndBatchToParallel() {
        assertError("test.yaml:5:5: models[0].context: must be at least parallel (16): each sequence needs KV cells,"
                + " got 8", """
                models:
                  - id: a
                    path: a.gguf
                    parallel: 16
                    context: 8
                """);
        assertError("test.yaml:5:5: models[0].max_batch_tokens: must be at least parallel (16): every decoding"
                + " sequence takes one token a step, got 4", """
                models:
                  - id: a
                    path: a.gguf
                    parallel: 16
                    max_batch_tokens: 4
                """);
    }

    @Test
    void shouldNameUnknownKeysAndSuggestTheClosestKnownOne() {
        assertError("test.yaml:4:5: models[0].paralel: unknown key; did you mean 'parallel'? (known: id, path,"
                + " source, sha256, synthetic, aliases, parallel, context, threads, gpu_layers, max_batch_tokens,"
                + " max_queue, kv_type, sampling, keep_alive, preload, default, fallbacks, kind, chat_template_file;"
                + " your own keys need an 'x-'"
                + " prefix)", """
                models:
                  - id: a
                    path: a.gguf
                    paralel: 8
                """);
        assertError("test.yaml:1:1: sever: unknown key; did you mean 'server'? (known: server, models, gateway, jobs; your own keys"
                + " need an 'x-' prefix)", """
                sever:
                  port: 1
                models: [{id: a, path: a.gguf}]
                """);
        assertError("test.yaml:4:31: models[0].synthetic.size: unknown key (known: preset, quant; your own keys need"
                + " an 'x-' prefix)", """
                models:
                  - id: a
                    path: a.gguf
                    synthetic: {preset: tiny, size: 3}
                """);
    }

    @Test
    void shouldReportMissingRequiredKeysAtTheirMapping() {
        assertError("test.yaml:3:5: models[1].id: required but missing", """
                models:
                  - {id: a, path: a.gguf}
                  - path: b.gguf
                    parallel: 2
                """);
        assertError("test.yaml:2:5: models[0].path: required but missing", """
                models:
                  - id: a
                """);
        assertError("test.yaml:3:5: models[0].path: required but empty", """
                models:
                  - id: a
                    path:
                """);
        assertError("test.yaml:2:5: models[0].path: must be a file path, got \"\"", """
                models:
                  - path: ""
                    id: a
                """);
        assertError("test.yaml:1:1: models: required but missing", "server: {port: 1}\n");
        assertError("test.yaml:1:1: models: required but missing (the document is empty)", "# nothing\n");
        assertError("test.yaml:1:1: models: must list at least one model", "models: []\n");
        assertError("test.yaml:1:1: models: must be a list of models, got a mapping", "models: {id: a}\n");
        assertError("test.yaml:2:5: models[0]: must be a mapping with at least id and path (or source), got"
                + " \"demo\"", """
                models:
                  - demo
                """);
        assertError("test.yaml:1:1: must be a mapping with the keys server and models, got a list", "- a\n- b\n");
    }

    @Test
    void shouldRefuseDuplicateIdsAndAliases() {
        assertError("test.yaml:4:5: models[1].id: \"a\" is already used by models[0].id (line 2); ids and aliases"
                + " must be unique across models", """
                models:
                  - id: a
                    path: a.gguf
                  - id: a
                    path: b.gguf
                """);
        assertError("test.yaml:5:18: models[1].aliases[1]: \"a\" is already used by models[0].id (line 2); ids and"
                + " aliases must be unique across models", """
                models:
                  - id: a
                    path: a.gguf
                  - id: b
                    aliases: [c, a]
                    path: b.gguf
                """);
        assertError("test.yaml:4:18: models[0].aliases[1]: \"x\" is listed twice", """
                models:
                  - id: a
                    path: a.gguf
                    aliases: [x, x]
                """);
        assertError("test.yaml:4:15: models[0].aliases[0]: \"a\" is already used by models[0].id (line 2); ids and"
                + " aliases must be unique across models", """
                models:
                  - id: a
                    path: a.gguf
                    aliases: [a]
                """);
        assertError("test.yaml:2:5: models[0].id: must start with a letter or digit and use only letters, digits"
                + " and . _ : / @ + - (at most 128), got \"my model\"", """
                models:
                  - id: my model
                    path: a.gguf
                """);
    }

    @Test
    void shouldCheckBooleansAndSyntheticModels() {
        assertError("test.yaml:4:5: models[0].default: must be true or false, got \"yes\"", """
                models:
                  - id: a
                    path: a.gguf
                    default: yes
                """);
        assertError("test.yaml:4:17: models[0].synthetic.preset: must be one of tiny, bench-200m, bench-1b,"
                + " got \"huge\"", """
                models:
                  - id: a
                    path: a.gguf
                    synthetic: {preset: huge}
                """);
        ConfigException quant = assertThrows(ConfigException.class, () -> parse("""
                models:
                  - id: a
                    path: a.gguf
                    synthetic:
                      preset: tiny
                      quant: q3
                """));
        assertEquals(6, quant.line());
        assertEquals(7, quant.column());
        assertEquals("models[0].synthetic.quant", quant.field());
        assertTrue(quant.reason().startsWith("must be one of f32, f16, q4_0"), quant.reason());
        assertTrue(quant.reason().endsWith(", got \"q3\""), quant.reason());
        assertError("test.yaml:4:5: models[0].synthetic: must be a mapping such as {preset: tiny, quant: q8_0},"
                + " got \"tiny\"", """
                models:
                  - id: a
                    path: a.gguf
                    synthetic: tiny
                """);
    }

    @Test
    void shouldRefuseWhatYamlWouldOtherwiseHideFromUs() {
        assertError("test.yaml:4:5: duplicate key 'parallel' (first at line 3)", """
                models:
                  - id: a
                    parallel: 2
                    parallel: 4
                    path: a.gguf
                """);
        assertError("test.yaml:4:11: YAML aliases (*p) are not supported; write the value out", """
                models:
                  - id: a
                    path: &p a.gguf
                  - path: *p
                    id: b
                """);
        assertError("test.yaml:3:1: more than one YAML document ('---'); expected one", """
                models: [{id: a, path: a.gguf}]
                ---
                models: [{id: b, path: b.gguf}]
                """);
        ConfigException syntax = assertThrows(ConfigException.class, () -> parse("""
                models:
                  - id: a
                    path: [unclosed
                """));
        assertEquals("test.yaml", syntax.source());
        assertEquals("test.yaml:4:1: not valid YAML: expected ',' or ']', but got <stream end> (while parsing a flow"
                + " sequence at line 3)", syntax.getMessage());
        assertEquals("", syntax.field());
    }

    @Test
    void shouldNameTheFileWhenItCannotBeRead() {
        Path missing = dir.resolve("nope/models.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> NodeConfigReader.read(missing));
        assertEquals(missing + ": no such file", e.getMessage());
        assertEquals(0, e.line());
    }

    @Test
    void shouldReadTheGatewaySection() {
        NodeConfig c = parse("""
                models:
                  - {id: demo, path: m.gguf}
                gateway:
                  node_id: edge-1
                  cache: {ttl: 10m, max_bytes: 1MiB}
                  ledger: {retention: 7d, batch_size: 64, flush_interval: 50ms}
                  guardrails: {deny: ["(?i)secret"], max_prompt_chars: 1000, action: flag, window: 64}
                  shared_prefixes: ["You are a helpful assistant."]
                  prices:
                    demo: {input: 0.5, output: 1.5, compute_per_second: 0.001}
                """);
        GatewaySettings g = c.gateway();
        assertEquals("edge-1", g.nodeId());
        assertEquals(new GatewaySettings.Cache(true, java.time.Duration.ofMinutes(10), 1 << 20, true), g.cache());
        assertEquals(new GatewaySettings.Ledger(java.time.Duration.ofDays(7), 64, java.time.Duration.ofMillis(50)),
                g.ledger());
        assertEquals("(?i)secret", g.guardrails().deny().getFirst().pattern());
        assertEquals(GatewaySettings.Action.FLAG, g.guardrails().action());
        assertEquals(List.of("You are a helpful assistant."), g.sharedPrefixes());
        ModelPrice p = g.price("demo");
        assertEquals(0.5, p.inputPerMillion(), 1e-9);
        assertEquals(0.5, p.cachedInputPerMillion(), 1e-9, "cached input defaults to the input price");
        assertEquals(1.5, p.outputPerMillion(), 1e-9);
        assertEquals(ModelPrice.FREE, g.price("other"));
        // 1000 fresh input tokens at $0.5/M = 500,000 nano-dollars; 10 output at $1.5/M = 15,000; 2 s of compute.
        assertEquals(500_000 + 15_000 + 2_000_000, p.costNanoUsd(1000, 0, 10, 2_000_000_000L));
        assertEquals(GatewaySettings.DEFAULTS, parse("models:\n  - {id: demo, path: m.gguf}\n").gateway());
    }

    @Test
    void shouldRefuseABadGatewaySectionAtTheRightPlace() {
        assertError("test.yaml:4:12: gateway.prices.nope: \"nope\" is not the id of a model in this file (known: demo)",
                """
                models:
                  - {id: demo, path: m.gguf}
                gateway:
                  prices: {nope: {input: 1}}
                """);
        ConfigException bad = assertThrows(ConfigException.class, () -> parse("""
                models:
                  - {id: demo, path: m.gguf}
                gateway:
                  guardrails: {deny: ["(unclosed"]}
                """));
        assertTrue(bad.getMessage().contains("gateway.guardrails.deny[0]: is not a valid regular expression"),
                bad.getMessage());
        ConfigException typo = assertThrows(ConfigException.class, () -> parse("""
                models:
                  - {id: demo, path: m.gguf}
                gateway:
                  cache: {enabld: true}
                """));
        assertTrue(typo.getMessage().contains("gateway.cache.enabld"), typo.getMessage());
    }

    private static String readString(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
