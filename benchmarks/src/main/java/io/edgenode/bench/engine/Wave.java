package io.edgenode.bench.engine;

import io.edgenode.core.engine.Engine;
import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.GenerationHandle;
import io.edgenode.core.engine.GenerationListener;
import io.edgenode.core.engine.GenerationRequest;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.core.engine.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Requests submitted together to one engine, and what became of them. Used from the benchmark's
 * main thread; each request's listener records its completion time on the engine thread (one
 * {@code nanoTime} and a volatile write, so the engine is never held up).
 *
 * <p>Every result is checked: finish reason {@code LENGTH}, exactly {@code maxTokens} generated,
 * the prompt counted in full. A mismatch or a request that never completes is an engine bug, and
 * the run stops with {@link EngineBugException} instead of reporting figures.
 */
final class Wave {
    /** How long one request may take before the engine is declared hung. */
    static final long TIMEOUT_SECONDS = 300;

    /** One request: submit time (ours), first token (submit + the engine's TTFT), completion. */
    record Sample(String id, Usage usage, long submitNanos, long firstTokenNanos, long endNanos) {}

    /** A request in flight. */
    static final class Pending implements GenerationListener {
        final String id;
        final int promptLength;
        final int maxTokens;
        final long submitNanos;
        GenerationHandle handle;
        private volatile long endNanos;

        Pending(String id, int promptLength, int maxTokens, long submitNanos) {
            this.id = id;
            this.promptLength = promptLength;
            this.maxTokens = maxTokens;
            this.submitNanos = submitNanos;
        }

        @Override
        public void onText(String delta) {}

        @Override
        public void onComplete(GenerationResult result) {
            endNanos = System.nanoTime();
        }

        boolean isDone() {
            return handle.completion().isDone();
        }

        long endNanos() {
            return endNanos;
        }

        /** Waits for the result and checks it. */
        Sample await(Engine engine) {
            GenerationResult r;
            try {
                r = handle.completion().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new EngineBugException("request " + id + " did not complete within " + TIMEOUT_SECONDS
                        + " s (hang?); metrics: " + engine.metrics());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                throw new EngineBugException("completion of " + id + " failed exceptionally: " + e.getCause());
            }
            Usage u = r.usage();
            if (r.finishReason() != FinishReason.LENGTH || u.completionTokens() != maxTokens
                    || u.promptTokens() != promptLength || u.timeToFirstTokenNanos() <= 0) {
                throw new EngineBugException("request " + id + " (prompt " + promptLength + ", maxTokens " + maxTokens
                        + ", ignoreEos) ended with " + r + "; metrics: " + engine.metrics());
            }
            return new Sample(id, u, submitNanos, submitNanos + u.timeToFirstTokenNanos(), endNanos);
        }
    }

    private Wave() {}

    /** Submits one greedy, ignore-EOS request. */
    static Pending submit(Engine engine, String id, int[] prompt, int maxTokens) {
        long t = System.nanoTime();
        Pending p = new Pending(id, prompt.length, maxTokens, t);
        p.handle = engine.submit(GenerationRequest.greedy(id, prompt, maxTokens, p).withIgnoreEos(true));
        return p;
    }

    /** Submits all prompts back to back, then waits for every result. */
    static List<Sample> run(Engine engine, String idPrefix, List<int[]> prompts, int maxTokens) {
        List<Pending> pending = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            pending.add(submit(engine, idPrefix + "-" + i, prompts.get(i), maxTokens));
        }
        List<Sample> samples = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            samples.add(p.await(engine));
        }
        return samples;
    }

    /**
     * Decode-phase aggregate rate: tokens generated after each request's first token, over the
     * wall time from the earliest first token to the last completion.
     */
    static double decodeTokensPerSecond(List<Sample> samples) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long tokens = 0;
        for (Sample s : samples) {
            first = Math.min(first, s.firstTokenNanos());
            last = Math.max(last, s.endNanos());
            tokens += s.usage().completionTokens() - 1;
        }
        return tokens * 1e9 / (last - first);
    }

    /** End-to-end aggregate rate: all generated tokens over first submit to last completion (prefill included). */
    static double endToEndTokensPerSecond(List<Sample> samples) {
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        long tokens = 0;
        for (Sample s : samples) {
            first = Math.min(first, s.submitNanos());
            last = Math.max(last, s.endNanos());
            tokens += s.usage().completionTokens();
        }
        return tokens * 1e9 / (last - first);
    }

    /** Sum of each request's own {@link Usage#decodeTokensPerSecond()} (the engine's per-request figure). */
    static double summedRequestRates(List<Sample> samples) {
        return samples.stream().mapToDouble(s -> s.usage().decodeTokensPerSecond()).sum();
    }

    static List<Double> ttftMillis(List<Sample> samples) {
        return samples.stream().map(s -> s.usage().timeToFirstTokenNanos() / 1e6).toList();
    }

    static int cachedPromptTokens(List<Sample> samples) {
        return samples.stream().mapToInt(s -> s.usage().cachedPromptTokens()).sum();
    }
}
