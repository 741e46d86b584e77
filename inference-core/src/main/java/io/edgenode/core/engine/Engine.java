package io.edgenode.core.engine;

import io.edgenode.core.llama.ContextParams;
import io.edgenode.core.llama.GrammarSampler;
import io.edgenode.core.llama.LlamaContext;
import io.edgenode.core.llama.LlamaModel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The continuous-batching engine of one loaded model. Thread-safe facade: any thread may
 * {@link #submit}, cancel through the returned handle, read {@link #metrics()} or shut down.
 * Every native call on the model's context happens on the engine's own decode thread
 * ({@link DecodeLoop}); requests reach it through a bounded inbox, output leaves through each
 * request's {@link GenerationListener}.
 */
public final class Engine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Engine.class.getName());
    private static final AtomicInteger ENGINE_IDS = new AtomicInteger();

    private final LlamaModel model;
    private final EngineConfig config;
    private final BlockingQueue<Sequence> inbox;
    /** Requests submitted and not yet given a slot (inbox plus the loop's waiting queue). */
    private final AtomicInteger queued = new AtomicInteger();
    /** Grammars {@link #submit} has validated against this model (any thread; cleared when full). */
    private final java.util.concurrent.ConcurrentHashMap<Constraint, Boolean> validated =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final int VALIDATED_GRAMMARS = 256;
    private final AtomicLong arrivals = new AtomicLong();
    private final DecodeLoop loop;
    private final Thread thread;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean accepting = true;

    private Engine(LlamaModel model, EngineConfig config, LlamaContext context) {
        this.model = model;
        this.config = config;
        this.inbox = new ArrayBlockingQueue<>(config.maxQueue());
        this.loop = new DecodeLoop(context, config, inbox, queued);
        this.thread = Thread.ofPlatform()
                .name("edgenode-engine-" + ENGINE_IDS.incrementAndGet())
                .daemon(true)
                .unstarted(this::run);
    }

    /** Creates the context ({@code config.contextSize()} cells for {@code config.parallel()} sequences) and starts the loop. */
    public static Engine start(LlamaModel model, EngineConfig config) {
        return start(model, config, ContextParams.GgmlTypeId.F16);
    }

    /** As {@link #start(LlamaModel, EngineConfig)}, with a KV cache of {@code kvType} elements (F16, Q8_0, Q4_0). */
    public static Engine start(LlamaModel model, EngineConfig config, ContextParams.GgmlTypeId kvType) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(kvType, "kvType");
        ContextParams params = ContextParams.single(config.contextSize())
                .withKvType(kvType)
                .withSeqMax(config.parallel())
                .withThreads(config.threads())
                .withThreadPoll(config.threadPoll())
                .withBatch(config.maxBatchTokens(), config.maxBatchTokens());
        LlamaContext context = LlamaContext.create(model, params);
        Engine engine = new Engine(model, config, context);
        engine.thread.start();
        return engine;
    }

    private void run() {
        try {
            loop.run();
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "engine loop died", t);
        } finally {
            accepting = false; // nobody would serve new requests
            stopped.countDown();
        }
    }

    /**
     * Queues a generation. The engine takes ownership of the request's {@code restoreKv} here,
     * also when this throws: it is closed once used, or when the request is rejected, cancelled
     * or shut down before running.
     *
     * @throws io.edgenode.core.llama.GrammarException the request's constraint does not parse
     * @throws EngineRejectedException overloaded (queue full), the prompt plus max tokens cannot
     *     fit one sequence's share of the context, or the engine is shutting down
     */
    public GenerationHandle submit(GenerationRequest request) {
        Objects.requireNonNull(request, "request");
        boolean queuedIt = false;
        try {
            GenerationHandle h = enqueue(request);
            queuedIt = true;
            return h;
        } finally {
            if (!queuedIt && request.restoreKv() != null) {
                request.restoreKv().close();
            }
        }
    }

    private GenerationHandle enqueue(GenerationRequest request) {
        if (!accepting) {
            throw new EngineRejectedException(EngineRejectedException.Reason.SHUT_DOWN, "engine is shutting down");
        }
        int limit = config.maxSequenceTokens();
        long needed = (long) request.promptTokens().length + request.maxTokens();
        if (needed > limit) {
            throw new EngineRejectedException(EngineRejectedException.Reason.CONTEXT_LENGTH_EXCEEDED,
                    "prompt of " + request.promptTokens().length + " tokens plus " + request.maxTokens()
                            + " new tokens exceeds the per-sequence context of " + limit + " tokens");
        }
        for (int t : request.promptTokens()) {
            if (t < 0 || t >= model.vocab().size()) {
                throw new IllegalArgumentException("prompt token " + t + " outside the vocabulary");
            }
        }
        int vocabSize = model.vocab().size();
        for (int t : request.logitBias().keySet()) {
            if (t >= vocabSize) {
                throw new IllegalArgumentException("logit bias token " + t + " outside the vocabulary");
            }
        }
        if (request.constraint() != null && !validated.containsKey(request.constraint())) {
            // Parsed here, on the caller's thread, so a bad grammar is the caller's error (400), not a stream's.
            // Once per grammar: an agent loop sends the same one every turn, and the check costs a
            // grammar pass over the vocabulary (milliseconds on 32,000 tokens).
            Constraint c = request.constraint();
            GrammarSampler.validate(model.vocab(), c.grammar(), c.root());
            if (validated.size() >= VALIDATED_GRAMMARS) {
                validated.clear();
            }
            validated.put(c, Boolean.TRUE);
        }
        if (queued.incrementAndGet() > config.maxQueue()) {
            queued.decrementAndGet();
            throw new EngineRejectedException(EngineRejectedException.Reason.OVERLOADED,
                    "engine overloaded: " + config.maxQueue() + " requests already waiting");
        }
        Sequence s = new Sequence(request, arrivals.incrementAndGet(), System.nanoTime());
        if (!inbox.offer(s)) { // cannot happen while queued <= capacity; kept as the invariant's guard
            queued.decrementAndGet();
            throw new EngineRejectedException(EngineRejectedException.Reason.OVERLOADED, "engine inbox full");
        }
        return s;
    }

    public EngineMetrics metrics() {
        return loop.metrics(queued.get());
    }

    public EngineConfig config() {
        return config;
    }

    public LlamaModel model() {
        return model;
    }

    /**
     * Stops accepting, lets queued and running generations finish until {@code deadline}, then
     * cancels the rest and frees the context. Returns true when everything finished in time.
     */
    public boolean shutdown(Duration deadline) {
        accepting = false;
        long until = System.nanoTime() + deadline.toNanos();
        boolean drained = true;
        while (!loop.isIdle() || queued.get() > 0) {
            if (System.nanoTime() >= until) {
                drained = false;
                break;
            }
            sleepQuietly(5);
        }
        loop.stop();
        thread.interrupt();
        try {
            if (!stopped.await(30, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.ERROR, "engine thread did not stop within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return drained;
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@link #shutdown} without waiting: running generations end as cancelled. */
    @Override
    public void close() {
        if (stopped.getCount() > 0) {
            shutdown(Duration.ZERO);
        }
    }
}
