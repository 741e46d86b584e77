package io.edgenode.bench.engine;

import io.edgenode.core.engine.EngineConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} options of the load bench. Each mode reads what it needs with its own
 * defaults; an option no mode read is an error at the end ({@link #checkAllUsed}), so a typo never
 * silently measures the default. Confined to the main thread.
 */
final class Options {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> used = new HashSet<>();

    Options(String[] args, int from) {
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got " + a);
            }
            values.put(a.substring(2), args[++i]);
        }
    }

    String string(String name, String dflt) {
        used.add(name);
        return values.getOrDefault(name, dflt);
    }

    int integer(String name, int dflt) {
        return Integer.parseInt(string(name, Integer.toString(dflt)));
    }

    int[] integers(String name, int... dflt) {
        String v = string(name, null);
        return v == null ? dflt : Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }

    boolean bool(String name, boolean dflt) {
        return Boolean.parseBoolean(string(name, Boolean.toString(dflt)));
    }

    Path model() {
        String home = System.getProperty("edgenode.home", ".");
        return Path.of(string("model", Path.of(home, "models", "bench-200m-q8_0.gguf").toString()));
    }

    /** Engine settings: EngineConfig defaults with --parallel, --context, --max-batch-tokens, --threads, --poll. */
    EngineConfig engineConfig() {
        EngineConfig d = EngineConfig.defaults();
        int parallel = integer("parallel", d.parallel());
        int context = integer("context", d.contextSize());
        return new EngineConfig(parallel, context, integer("max-batch-tokens", d.maxBatchTokens()), d.maxQueue(),
                integer("threads", 2), integer("poll", d.threadPoll()), context / parallel);
    }

    void checkAllUsed() {
        Set<String> unknown = new HashSet<>(values.keySet());
        unknown.removeAll(used);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown options for this mode: " + unknown);
        }
    }
}
