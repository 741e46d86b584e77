package io.edgenode.server.node;

import io.edgenode.core.chat.ChatTemplate;
import io.edgenode.core.chat.ChatTemplateException;
import io.edgenode.core.engine.Engine;
import io.edgenode.core.engine.EngineConfig;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import io.edgenode.core.llama.Vocab;
import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.node.ModelUnavailableException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Stateless; each load runs on its own virtual thread ({@code load-<id>}): brings a model into
 * service. That thread does the slow parts with no lock held (the file, the estimate, the
 * evictions' frees, the model and its engine) and takes the slots' lock only through
 * {@link ModelSlots}, for bookkeeping: mark downloading, reserve memory, publish or fail.
 */
final class ModelLoader {
    private static final System.Logger LOG = System.getLogger(ModelLoader.class.getName());

    private final LlamaLibrary library;
    private final ModelSlots slots;
    private final ModelFiles files;
    private final long budgetBytes;

    ModelLoader(LlamaLibrary library, ModelSlots slots, ModelFiles files, long budgetBytes) {
        this.library = library;
        this.slots = slots;
        this.files = files;
        this.budgetBytes = budgetBytes;
    }

    /** Loads {@code spec} on a new virtual thread; {@code done} completes with the loaded model or the reason. */
    void start(ModelSpec spec, CompletableFuture<LoadedModel> done) {
        try {
            Thread.ofVirtual().name("load-" + spec.id()).start(() -> run(spec, done));
        } catch (RuntimeException e) {
            fail(spec, done, new ModelUnavailableException(Reason.LOAD_FAILED, "model " + spec.id()
                    + " failed to load: " + ModelFiles.message(e)));
            slots.loadEnded(spec.id());
        }
    }

    private void run(ModelSpec spec, CompletableFuture<LoadedModel> done) {
        try {
            Path file = file(spec);
            ModelMemory memory;
            try {
                memory = files.memoryOf(spec);
            } catch (IOException | RuntimeException e) {
                throw new ModelUnavailableException(Reason.LOAD_FAILED, "model " + spec.id() + " failed to load: "
                        + "cannot read " + file + ": " + ModelFiles.message(e));
            }
            List<LoadedModel> evicted = slots.reserve(spec.id(), memory.totalBytes(), budgetBytes);
            for (LoadedModel m : evicted) {
                free(m, "evicted to make room for " + spec.id());
            }
            LoadedModel loaded = open(spec, file);
            if (!slots.publish(spec.id(), loaded)) {
                free(loaded, "closed at shutdown");
                throw new ModelUnavailableException(Reason.SHUT_DOWN, "the node is shutting down");
            }
            LOG.log(System.Logger.Level.INFO, "model {0} loaded from {1} ({2} MiB estimated: weights {3}, KV {4},"
                    + " compute {5})", spec.id(), file, ModelMemory.mib(memory.totalBytes()),
                    ModelMemory.mib(memory.weightsBytes()), ModelMemory.mib(memory.kvCacheBytes()),
                    ModelMemory.mib(memory.computeBytes()));
            done.complete(loaded);
        } catch (ModelUnavailableException e) {
            fail(spec, done, e);
        } catch (RuntimeException e) {
            fail(spec, done, new ModelUnavailableException(Reason.LOAD_FAILED, "model " + spec.id()
                    + " failed to load: " + ModelFiles.message(e)));
        } finally {
            slots.loadEnded(spec.id());
        }
    }

    private void fail(ModelSpec spec, CompletableFuture<LoadedModel> done, ModelUnavailableException e) {
        slots.fail(spec.id(), e.getMessage());
        LOG.log(System.Logger.Level.ERROR, e.getMessage());
        done.completeExceptionally(e);
    }

    /** The model's file: present, created from its synthetic preset, or downloaded from its source. */
    private Path file(ModelSpec spec) throws ModelUnavailableException {
        Optional<Path> local = files.local(spec);
        if (local.isPresent()) {
            return local.get();
        }
        slots.markDownloading(spec.id());
        try {
            Path file = files.download(spec).get();
            slots.markLoading(spec.id());
            return file;
        } catch (ExecutionException e) {
            throw new ModelUnavailableException(Reason.LOAD_FAILED, "model " + spec.id() + ": download from "
                    + spec.source().get() + " failed: " + ModelFiles.message(e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelUnavailableException(Reason.LOAD_FAILED, "model " + spec.id() + ": interrupted");
        }
    }

    /** The template of {@code chat_template_file}; an unreadable or invalid file fails the load. */
    private static ChatTemplate templateFile(ModelSpec spec, String bos, String eos) {
        java.nio.file.Path p = spec.chatTemplateFile().orElseThrow();
        try {
            return ChatTemplate.of(java.util.Optional.of(java.nio.file.Files.readString(p)), bos, eos);
        } catch (java.io.IOException | ChatTemplateException e) {
            // open() closes the model; run() reports the load as failed with this message
            throw new IllegalStateException("chat_template_file " + p + ": " + e.getMessage(), e);
        }
    }

    /** Opens the file, builds its template and starts its engine. */
    private LoadedModel open(ModelSpec spec, Path file) {
        LlamaModel model = LlamaModel.load(library, file, ModelParams.defaults().withGpuLayers(spec.gpuLayers()));
        try {
            Vocab vocab = model.vocab();
            String bos = specialText(vocab, vocab.bos());
            String eos = specialText(vocab, vocab.eos());
            ChatTemplate template;
            if (spec.chatTemplateFile().isPresent()) {
                template = templateFile(spec, bos, eos); // the operator's choice: a broken one fails the load
            } else try {
                template = ChatTemplate.of(model.chatTemplate(), bos, eos);
            } catch (ChatTemplateException e) {
                // As llama-server does: a template we cannot run is replaced, not fatal.
                LOG.log(System.Logger.Level.WARNING, "model {0}: {1}; using the ChatML fallback", spec.id(),
                        e.getMessage());
                template = ChatTemplate.fallback(bos, eos);
            }
            EngineConfig engineConfig = new EngineConfig(spec.parallel(), spec.contextSize(), spec.maxBatchTokens(),
                    spec.maxQueue(), spec.threads(), 0, spec.contextSize() / spec.parallel());
            Engine engine = Engine.start(model, engineConfig, spec.kvType());
            return new LoadedModel(spec, model, engine, template, System.currentTimeMillis() / 1000);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static String specialText(Vocab vocab, int token) {
        if (token < 0 || token >= vocab.size()) {
            return "";
        }
        return new String(vocab.pieceBytes(token, true), StandardCharsets.UTF_8);
    }

    /** Stops an idle, detached model's engine and frees its memory (never under the slots' lock). */
    static void free(LoadedModel m, String why) {
        m.engine().shutdown(Duration.ZERO);
        m.model().close();
        LOG.log(System.Logger.Level.INFO, "model {0} {1}", m.id(), why);
    }
}
