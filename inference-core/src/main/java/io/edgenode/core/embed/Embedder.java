package io.edgenode.core.embed;

import java.util.List;

/**
 * A text embedding model: texts (or token ids) in, one L2-normalised vector per input out.
 *
 * <p>Thread-safe: implementations may be called from any thread, and a call blocks its caller until
 * its vectors are ready. A call is all-or-nothing: it either returns a vector for every input, in
 * input order, or throws (an {@link EmbeddingInputException} naming the first bad input, or an
 * {@link EmbeddingException} when the model itself failed).
 *
 * <p>Inputs longer than {@link #maxInputTokens()} are refused, never silently truncated: a caller
 * that stores vectors (an index) must not get a vector of the first half of a document without
 * knowing it.
 */
public interface Embedder extends AutoCloseable {

    /** The model's id (the models.yaml id when served by the node). */
    String modelId();

    /** Length of every vector this model returns. */
    int dimensions();

    /** Most tokens one input may have, special tokens ([CLS], [SEP]) included. */
    int maxInputTokens();

    /**
     * Embeds texts. Each text is tokenized by the model's own tokenizer (special tokens added).
     *
     * @throws EmbeddingInputException an input is empty after tokenization rules or over
     *     {@link #maxInputTokens()} (its index is in the exception)
     * @throws EmbeddingException the model run failed
     */
    EmbeddingResult embed(List<String> texts);

    /**
     * Embeds inputs given as token ids, exactly as given: no special tokens are added (a caller
     * that wants [CLS]/[SEP] includes them, as OpenAI's token-array input is taken literally).
     *
     * @throws EmbeddingInputException an input is empty, over {@link #maxInputTokens()}, or holds
     *     an id outside the vocabulary
     * @throws EmbeddingException the model run failed
     */
    EmbeddingResult embedTokens(List<int[]> tokenIds);

    /** Frees the model's native session; calls after it throw {@link IllegalStateException}. */
    @Override
    void close();
}
