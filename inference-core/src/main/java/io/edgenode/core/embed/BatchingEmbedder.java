package io.edgenode.core.embed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Thread-safe facade; the ONNX runs happen on its own platform threads ({@code embed-<model>-<n>}),
 * never on the caller's: dynamic batching in front of an {@link OnnxEmbedder} or a
 * {@link LlamaEmbedder} (whose one context gets exactly one worker). Concurrent calls are
 * coalesced into one ONNX run of up to {@code maxBatch} inputs, and each caller gets back exactly its
 * own vectors, in its own order.
 *
 * <p>A call tokenizes and validates on the calling thread (so one caller's bad input fails only that
 * caller, before anything is queued), then queues one job and blocks until it is done: call it from
 * a virtual thread, never from an event loop. The queue is bounded ({@code maxQueue} jobs); beyond it
 * a call fails at once with {@link EmbeddingOverloadedException}.
 *
 * <p>A worker takes the first waiting job, then every job already waiting that still fits the batch
 * (a job that does not fit starts the worker's next batch), optionally lingering {@code batchWait}
 * for more while the batch is not full. With no linger, batches form from what queued up while the
 * previous run was going, so a lone request pays no wait. A job of more than {@code maxBatch} inputs
 * runs alone, in chunks.
 */
public final class BatchingEmbedder implements Embedder {
    private final BatchableEmbedder delegate;
    private final int maxBatch;
    private final long batchWaitNanos;
    private final BlockingQueue<Job> queue;
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong coalescedJobs = new AtomicLong();
    private volatile boolean closed;

    /** One caller's inputs and where its result goes. Crosses from the caller to a worker. */
    private record Job(List<int[]> ids, CompletableFuture<EmbeddingResult> done) {}

    /**
     * @param delegate the model; this embedder owns it from now (closes it)
     * @param workers ONNX runs in parallel (each run also uses the model's intra-op threads)
     * @param maxQueue jobs waiting before calls are refused
     * @param batchWait how long a worker waits for more jobs while its batch is not full; zero: none
     */
    public BatchingEmbedder(BatchableEmbedder delegate, int workers, int maxQueue, Duration batchWait) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        Objects.requireNonNull(batchWait, "batchWait");
        if (workers < 1 || maxQueue < 1 || batchWait.isNegative()) {
            throw new IllegalArgumentException("workers=" + workers + " maxQueue=" + maxQueue + " batchWait=" + batchWait);
        }
        if (workers > 1 && delegate.threadConfined()) {
            throw new IllegalArgumentException("embedding model " + delegate.modelId() + " runs on one thread: workers="
                    + workers + " must be 1");
        }
        this.maxBatch = delegate.maxBatch();
        this.batchWaitNanos = batchWait.toNanos();
        this.queue = new ArrayBlockingQueue<>(maxQueue);
        for (int i = 0; i < workers; i++) {
            Thread t = Thread.ofPlatform().daemon().name("embed-" + delegate.modelId() + "-" + i).unstarted(this::work);
            this.workers.add(t);
        }
        this.workers.forEach(Thread::start);
    }

    @Override
    public String modelId() {
        return delegate.modelId();
    }

    @Override
    public int dimensions() {
        return delegate.dimensions();
    }

    @Override
    public int maxInputTokens() {
        return delegate.maxInputTokens();
    }

    /** Most inputs in one ONNX run. */
    public int maxBatch() {
        return maxBatch;
    }

    /** ONNX runs so far. */
    public long runs() {
        return delegate.runs();
    }

    /** Batches run so far, and how many of them held more than one caller's job. */
    public long batches() {
        return batches.get();
    }

    /** Jobs that shared their ONNX run with another caller's job. */
    public long coalescedJobs() {
        return coalescedJobs.get();
    }

    @Override
    public EmbeddingResult embed(List<String> texts) {
        return submit(delegate.tokenize(List.copyOf(texts)));
    }

    @Override
    public EmbeddingResult embedTokens(List<int[]> tokenIds) {
        List<int[]> ids = List.copyOf(tokenIds);
        delegate.validate(ids);
        return submit(ids);
    }

    private EmbeddingResult submit(List<int[]> ids) {
        if (ids.isEmpty()) {
            return new EmbeddingResult(List.of(), new int[0]);
        }
        if (closed) {
            throw new IllegalStateException("embedding model " + modelId() + " is closed");
        }
        Job job = new Job(ids, new CompletableFuture<>());
        if (!queue.offer(job)) {
            throw new EmbeddingOverloadedException("embedding model " + modelId() + " has " + queue.size()
                    + " requests waiting; try again later");
        }
        if (closed) {
            // close() may have drained the queue before this job went in: nobody else will fail it.
            job.done().completeExceptionally(new IllegalStateException("embedding model " + modelId() + " is closed"));
        }
        try {
            return job.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddingException("interrupted while waiting for embeddings", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new EmbeddingException("embedding failed: " + e.getCause(), e.getCause());
        } catch (CancellationException e) {
            throw new EmbeddingException("embedding cancelled", e);
        }
    }

    /** A worker's loop: take a batch of jobs, run it, hand each job its part. */
    private void work() {
        Job carry = null;
        List<Job> batch = new ArrayList<>();
        while (!closed) {
            batch.clear();
            try {
                Job first = carry != null ? carry : queue.take();
                carry = null;
                batch.add(first);
                int size = first.ids().size();
                long deadline = System.nanoTime() + batchWaitNanos;
                while (size < maxBatch) {
                    long left = deadline - System.nanoTime();
                    Job next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    if (size + next.ids().size() > maxBatch) {
                        carry = next;
                        break;
                    }
                    batch.add(next);
                    size += next.ids().size();
                }
            } catch (InterruptedException e) {
                break; // closing
            }
            runBatch(batch);
        }
        fail(batch);
        if (carry != null) {
            fail(List.of(carry));
        }
    }

    private void runBatch(List<Job> batch) {
        batches.incrementAndGet();
        if (batch.size() > 1) {
            coalescedJobs.addAndGet(batch.size());
        }
        try {
            if (batch.size() == 1) {
                batch.getFirst().done().complete(delegate.embedChecked(batch.getFirst().ids()));
                return;
            }
            List<int[]> all = new ArrayList<>();
            for (Job j : batch) {
                all.addAll(j.ids());
            }
            float[][] vectors = delegate.run(all);
            int at = 0;
            for (Job j : batch) {
                int n = j.ids().size();
                int[] counts = new int[n];
                List<float[]> mine = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    mine.add(vectors[at + i]);
                    counts[i] = j.ids().get(i).length;
                }
                at += n;
                j.done().complete(new EmbeddingResult(mine, counts));
            }
        } catch (RuntimeException | Error e) {
            for (Job j : batch) {
                j.done().completeExceptionally(e);
            }
        }
        batch.clear();
    }

    private void fail(List<Job> jobs) {
        for (Job j : jobs) {
            j.done().completeExceptionally(new IllegalStateException("embedding model " + modelId() + " is closed"));
        }
    }

    /** Stops the workers (a run in progress finishes), fails what is queued, then frees the model. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        workers.forEach(Thread::interrupt);
        for (Thread t : workers) {
            try {
                t.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<Job> left = new ArrayList<>();
        queue.drainTo(left);
        fail(left);
        delegate.close();
    }
}
