package io.edgenode.store.gguf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The facts about a model that a GGUF file states, read with llama.cpp's key names
 * ({@code <arch>.context_length}, {@code <arch>.attention.head_count}, ...). Immutable.
 *
 * <p>Shape numbers are 0 when the file does not state them (a vocabulary-only file, an architecture
 * that names them differently); {@link #hasTransformerShape()} says whether the core ones are all
 * there. Where llama.cpp allows a per-layer array instead of a number (head counts, feed-forward
 * length), the largest entry is reported, which is the right bound for memory budgeting. As in
 * llama.cpp, an absent head_count_kv means no grouping (equal to head_count) and an absent key/value
 * length means embedding_length / head_count.
 *
 * @param architecture      {@code general.architecture}, e.g. "llama"
 * @param name              {@code general.name}
 * @param contextLength     training context length
 * @param blockCount        number of transformer blocks (layers)
 * @param embeddingLength   hidden size (n_embd)
 * @param feedForwardLength FFN inner size (n_ff)
 * @param headCount         attention heads
 * @param headCountKv       key/value heads (grouped-query attention)
 * @param keyLength         per-head key size
 * @param valueLength       per-head value size
 * @param vocabSize         {@code <arch>.vocab_size}, else the length of {@code tokenizer.ggml.tokens}
 * @param tokenizerModel    {@code tokenizer.ggml.model} ("llama" for SentencePiece, "gpt2" for BPE...)
 * @param chatTemplate      {@code tokenizer.chat_template}
 * @param fileType          {@code general.file_type}; see {@link #fileTypeName()}
 * @param tensorTypes       per ggml type: tensor count, elements and bytes, in type-id order
 * @param parameterCount    total elements of all tensors
 * @param tensorDataBytes   total tensor data bytes, without padding
 */
public record GgufModelInfo(
        String architecture,
        Optional<String> name,
        long contextLength,
        int blockCount,
        long embeddingLength,
        long feedForwardLength,
        int headCount,
        int headCountKv,
        long keyLength,
        long valueLength,
        int vocabSize,
        Optional<String> tokenizerModel,
        Optional<String> chatTemplate,
        OptionalInt fileType,
        Map<GgmlType, TensorTypeStats> tensorTypes,
        long parameterCount,
        long tensorDataBytes) {

    public GgufModelInfo {
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(tokenizerModel, "tokenizerModel");
        Objects.requireNonNull(chatTemplate, "chatTemplate");
        Objects.requireNonNull(fileType, "fileType");
        EnumMap<GgmlType, TensorTypeStats> copy = new EnumMap<>(GgmlType.class);
        copy.putAll(tensorTypes);
        tensorTypes = Collections.unmodifiableMap(copy);
    }

    /** Reads the facts of an open file. */
    public static GgufModelInfo of(GgufFile file) throws GgufFormatException {
        return of(file.metadata(), file.tensors(), file.path());
    }

    /**
     * Reads the facts from metadata and tensor infos (for example from a {@link GgufWriter} before it
     * writes).
     *
     * @param source the file named in errors, or null
     * @throws GgufFormatException if {@code general.architecture} is missing or a key has the wrong type
     */
    public static GgufModelInfo of(GgufMetadata metadata, List<GgufTensorInfo> tensors, Path source)
            throws GgufFormatException {
        String key = "general.architecture";
        try {
            String arch = metadata.requireString(key);
            key = "general.name";
            Optional<String> name = metadata.getString(key);
            key = arch + ".context_length";
            long contextLength = metadata.getLong(key).orElse(0);
            key = arch + ".block_count";
            int blockCount = metadata.getInt(key).orElse(0);
            key = arch + ".embedding_length";
            long embeddingLength = metadata.getLong(key).orElse(0);
            key = arch + ".feed_forward_length";
            long feedForwardLength = largest(metadata, key).orElse(0);
            key = arch + ".attention.head_count";
            int headCount = (int) largest(metadata, key).orElse(0);
            key = arch + ".attention.head_count_kv";
            int headCountKv = (int) largest(metadata, key).orElse(headCount);
            long defaultHeadSize = headCount > 0 ? embeddingLength / headCount : 0;
            key = arch + ".attention.key_length";
            long keyLength = metadata.getLong(key).orElse(defaultHeadSize);
            key = arch + ".attention.value_length";
            long valueLength = metadata.getLong(key).orElse(defaultHeadSize);
            key = arch + ".vocab_size";
            OptionalInt declaredVocab = metadata.getInt(key);
            key = "tokenizer.ggml.tokens";
            int vocabSize = declaredVocab.isPresent()
                    ? declaredVocab.getAsInt()
                    : metadata.getArray(key).map(GgufArray::size).orElse(0);
            key = "tokenizer.ggml.model";
            Optional<String> tokenizerModel = metadata.getString(key);
            key = "tokenizer.chat_template";
            Optional<String> chatTemplate = metadata.getString(key);
            key = "general.file_type";
            OptionalInt fileType = metadata.getInt(key);

            Map<GgmlType, TensorTypeStats> types = new EnumMap<>(GgmlType.class);
            long params = 0;
            long bytes = 0;
            for (GgufTensorInfo t : tensors) {
                types.merge(t.type(), new TensorTypeStats(1, t.elementCount(), t.byteSize()),
                        (a, b) -> new TensorTypeStats(a.count() + b.count(), a.elements() + b.elements(), a.bytes() + b.bytes()));
                params += t.elementCount();
                bytes += t.byteSize();
            }
            return new GgufModelInfo(arch, name, contextLength, blockCount, embeddingLength, feedForwardLength,
                    headCount, headCountKv, keyLength, valueLength, vocabSize, tokenizerModel, chatTemplate,
                    fileType, types, params, bytes);
        } catch (NoSuchElementException | IllegalStateException e) {
            throw new GgufFormatException(source, e.getMessage(), metadata.offsetOf(key).orElse(-1));
        }
    }

    /** True when block count, embedding length and head count are all stated (so memory can be estimated). */
    public boolean hasTransformerShape() {
        return blockCount > 0 && embeddingLength > 0 && headCount > 0;
    }

    /** The llama.cpp file type, when {@link #fileType()} is one llama.cpp defines. */
    public Optional<LlamaFileType> llamaFileType() {
        return fileType.isPresent() ? LlamaFileType.byId(fileType.getAsInt()) : Optional.empty();
    }

    /** A label for {@link #fileType()}: "Q4_K_M", "F16", "unknown (99)" or "unspecified". */
    public String fileTypeName() {
        if (fileType.isEmpty()) {
            return "unspecified";
        }
        return llamaFileType().map(LlamaFileType::label).orElse("unknown (" + fileType.getAsInt() + ")");
    }

    /** The number, or the largest entry of a per-layer integer array. */
    private static OptionalLong largest(GgufMetadata metadata, String key) {
        Optional<GgufValue> v = metadata.get(key);
        if (v.isPresent() && v.get() instanceof GgufArray a) {
            long max = 0;
            for (long x : a.toLongArray()) {
                max = Math.max(max, x);
            }
            return OptionalLong.of(max);
        }
        return metadata.getLong(key);
    }
}
