package io.edgenode.core.engine;

import io.edgenode.core.llama.Batch;
import io.edgenode.core.llama.LlamaContext;
import io.edgenode.core.llama.SamplerChain;
import io.edgenode.core.llama.SamplingParams;
import io.edgenode.core.llama.Vocab;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Generates one stream on sequence 0 of a context: chunked prefill of the prompt, then one token
 * per {@code llama_decode}. Confined to the caller's thread, which owns the context while it runs.
 * This is the {@code edgenode generate} path and the single-stream baseline the batching engine is
 * measured against.
 */
public final class SingleStreamGenerator implements AutoCloseable {
    private static final int SEQ = 0;

    private final LlamaContext context;
    private final Vocab vocab;
    private final Batch batch;

    public SingleStreamGenerator(LlamaContext context) {
        this.context = Objects.requireNonNull(context, "context");
        this.vocab = context.model().vocab();
        this.batch = new Batch(context.batchSize(), 1);
    }

    /**
     * One throwaway step through every path a generation takes (prefill, decode, sampling,
     * detokenization), then an empty cache, as llama.cpp's own tools do before they measure:
     * the first {@code llama_decode} of a shape allocates compute buffers, and the first calls
     * of each downcall link method handles and run interpreted.
     */
    public void warmUp() {
        int bos = vocab.bos() >= 0 ? vocab.bos() : 0;
        generate(new int[] {bos, bos}, 4, SamplingParams.greedy(), true, text -> {});
        context.removeSequence(SEQ, -1, -1);
    }

    /**
     * Tokenizes {@code prompt} (with BOS when the model wants it) and generates up to
     * {@code maxTokens} tokens, handing complete UTF-8 text to {@code onText} as it is produced.
     *
     * @param ignoreEos keep going past end-of-generation tokens (benchmarks need exact lengths)
     * @throws IllegalArgumentException the prompt plus {@code maxTokens} does not fit the context
     */
    public GenerationStats generate(String prompt, int maxTokens, SamplingParams sampling, boolean ignoreEos,
            Consumer<String> onText) {
        int[] promptTokens = vocab.tokenize(prompt, true, true);
        return generate(promptTokens, maxTokens, sampling, ignoreEos, onText);
    }

    public GenerationStats generate(int[] prompt, int maxTokens, SamplingParams sampling, boolean ignoreEos,
            Consumer<String> onText) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("empty prompt");
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("max tokens must be >= 0");
        }
        if ((long) prompt.length + maxTokens > context.contextSize()) {
            throw new IllegalArgumentException("prompt of " + prompt.length + " tokens plus " + maxTokens
                    + " new tokens exceeds the context of " + context.contextSize() + " tokens");
        }
        context.removeSequence(SEQ, -1, -1);
        try (SamplerChain sampler = SamplerChain.create(vocab, sampling);
                TokenTextDecoder decoder = new TokenTextDecoder(vocab)) {
            long t0 = System.nanoTime();
            int pos = 0;
            int lastIndex = 0;
            while (pos < prompt.length) {
                batch.clear();
                int end = Math.min(prompt.length, pos + batch.capacity());
                for (; pos < end; pos++) {
                    lastIndex = batch.add(prompt[pos], pos, SEQ, pos == prompt.length - 1);
                }
                context.decode(batch);
            }
            long prefillNanos = System.nanoTime() - t0;

            int generated = 0;
            int steps = 0;
            long decodeCallNanos = 0;
            GenerationStats.FinishReason finish = GenerationStats.FinishReason.LENGTH;
            long loopStart = System.nanoTime();
            while (generated < maxTokens) {
                int token = sampler.sample(context, lastIndex);
                if (!ignoreEos && vocab.isEndOfGeneration(token)) {
                    finish = GenerationStats.FinishReason.STOP;
                    break;
                }
                generated++;
                String text = decoder.append(token);
                if (!text.isEmpty()) {
                    onText.accept(text);
                }
                if (generated == maxTokens) {
                    break; // the last token's logits are never needed
                }
                batch.clear();
                lastIndex = batch.add(token, pos++, SEQ, true);
                long c0 = System.nanoTime();
                context.decode(batch);
                decodeCallNanos += System.nanoTime() - c0;
                steps++;
            }
            long decodeNanos = System.nanoTime() - loopStart;
            String tail = decoder.flush();
            if (!tail.isEmpty()) {
                onText.accept(tail);
            }
            return new GenerationStats(prompt.length, generated, prefillNanos, decodeNanos, decodeCallNanos, steps,
                    finish);
        }
    }

    @Override
    public void close() {
        batch.close();
    }
}
