package io.edgenode.server.node;

import io.edgenode.core.chat.ChatTemplate;
import io.edgenode.core.chat.ChatTemplateException;
import io.edgenode.core.engine.Engine;
import io.edgenode.core.engine.EngineConfig;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import io.edgenode.core.llama.QuantType;
import io.edgenode.core.llama.SyntheticModels;
import io.edgenode.core.llama.Vocab;
import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.config.NodeConfig;
import io.edgenode.store.synth.ModelPreset;
import io.edgenode.store.synth.SyntheticModelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/**
 * The node's models: loads every configured model off the event loops (a virtual thread per
 * model), answers lookups by id or alias, and says when the default models are ready.
 * Thread-safe.
 */
public final class ModelHost implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelHost.class.getName());

    private final LlamaLibrary library;
    private final NodeConfig config;
    private final Map<String, LoadedModel> loaded = new ConcurrentHashMap<>();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private final CountDownLatch defaultsDone;

    public ModelHost(LlamaLibrary library, NodeConfig config) {
        this.library = library;
        this.config = config;
        this.defaultsDone = new CountDownLatch((int) config.models().stream().filter(ModelSpec::isDefault).count());
    }

    /** Starts loading every model in the background. */
    public void startLoading() {
        for (ModelSpec spec : config.models()) {
            Thread.ofVirtual().name("load-" + spec.id()).start(() -> load(spec));
        }
    }

    private void load(ModelSpec spec) {
        try {
            if (!Files.isRegularFile(spec.path()) && spec.synthetic().isPresent()) {
                var s = spec.synthetic().get();
                LOG.log(System.Logger.Level.INFO, "creating synthetic model {0} ({1}, {2})", spec.path(), s.preset(),
                        s.quant());
                SyntheticModels.write(library, ModelPreset.fromName(s.preset()), QuantType.parse(s.quant()),
                        SyntheticModelBuilder.DEFAULT_SEED, null, spec.path(), 0);
            }
            LlamaModel model = LlamaModel.load(library, spec.path(), ModelParams.defaults().withGpuLayers(spec.gpuLayers()));
            Vocab vocab = model.vocab();
            String bos = specialText(vocab, vocab.bos());
            String eos = specialText(vocab, vocab.eos());
            ChatTemplate template;
            try {
                template = ChatTemplate.of(model.chatTemplate(), bos, eos);
            } catch (ChatTemplateException e) {
                // As llama-server does: a template we cannot run is replaced, not fatal.
                LOG.log(System.Logger.Level.WARNING, "model {0}: {1}; using the ChatML fallback", spec.id(),
                        e.getMessage());
                template = ChatTemplate.fallback(bos, eos);
            }
            EngineConfig engineConfig = new EngineConfig(spec.parallel(), spec.contextSize(), spec.maxBatchTokens(),
                    spec.maxQueue(), spec.threads(), 0, spec.contextSize() / spec.parallel());
            Engine engine = Engine.start(model, engineConfig);
            loaded.put(spec.id(), new LoadedModel(spec, model, engine, template, System.currentTimeMillis() / 1000));
            LOG.log(System.Logger.Level.INFO, "model {0} loaded from {1}{2}", spec.id(), spec.path(),
                    template.isFallback() ? " (no chat template: ChatML fallback)" : "");
        } catch (RuntimeException | java.io.IOException e) {
            failures.put(spec.id(), e.getMessage() == null ? e.toString() : e.getMessage());
            LOG.log(System.Logger.Level.ERROR, "model " + spec.id() + " failed to load: " + e.getMessage(), e);
        } finally {
            if (spec.isDefault()) {
                defaultsDone.countDown();
            }
        }
    }

    private static String specialText(Vocab vocab, int token) {
        if (token < 0 || token >= vocab.size()) {
            return "";
        }
        return new String(vocab.pieceBytes(token, true), StandardCharsets.UTF_8);
    }

    /** Ready when every default model has loaded (a failed default model keeps the node unready). */
    public boolean isReady() {
        return defaultsDone.getCount() == 0 && config.models().stream()
                .filter(ModelSpec::isDefault).allMatch(m -> loaded.containsKey(m.id()));
    }

    /** Waits for the default models (tests, scripts); true when ready. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        defaultsDone.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return isReady();
    }

    /** The model called {@code name} (id or alias), if configured. */
    public Optional<ModelSpec> spec(String name) {
        return config.models().stream()
                .filter(m -> m.id().equals(name) || m.aliases().contains(name))
                .findFirst();
    }

    public Optional<LoadedModel> loaded(String id) {
        return Optional.ofNullable(loaded.get(id));
    }

    public Optional<String> failure(String id) {
        return Optional.ofNullable(failures.get(id));
    }

    public List<ModelSpec> specs() {
        return config.models();
    }

    public List<LoadedModel> loadedModels() {
        return List.copyOf(loaded.values());
    }

    /** Lets running generations finish until {@code deadline}, then cancels them and frees everything. */
    public boolean shutdown(Duration deadline) {
        long until = System.nanoTime() + deadline.toNanos();
        boolean drained = true;
        for (LoadedModel m : loaded.values()) {
            long left = Math.max(0, until - System.nanoTime());
            drained &= m.engine().shutdown(Duration.ofNanos(left));
        }
        for (LoadedModel m : loaded.values()) {
            m.model().close();
        }
        loaded.clear();
        return drained;
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }
}
