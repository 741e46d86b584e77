package io.edgenode.store.synth;

import io.edgenode.store.gguf.GgufArray;
import io.edgenode.store.gguf.GgufFile;
import io.edgenode.store.gguf.GgufFormatException;
import io.edgenode.store.gguf.GgufValue;
import io.edgenode.store.gguf.GgufValueType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Immutable: the tokenizer of another GGUF file, copied key by key for a synthetic model.
 *
 * @param entries     every {@code tokenizer.ggml.*} key and every {@code tokenizer.chat_template*} key,
 *                    in source order
 * @param tokenCount  length of {@code tokenizer.ggml.tokens}
 * @param llama3      true when the vocabulary is Llama 3's (it has {@code <|start_header_id|>})
 * @param eotId       id of {@code <|eot_id|>}, when present
 */
record VocabularySource(Map<String, GgufValue> entries, int tokenCount, boolean llama3, OptionalInt eotId) {

    static final String TOKENS_KEY = "tokenizer.ggml.tokens";
    static final String CHAT_TEMPLATE_KEY = "tokenizer.chat_template";

    VocabularySource {
        entries = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    static VocabularySource read(Path gguf) throws IOException {
        try (GgufFile file = GgufFile.open(gguf)) {
            Map<String, GgufValue> entries = new LinkedHashMap<>();
            file.metadata().asMap().forEach((key, value) -> {
                if (key.startsWith("tokenizer.ggml.") || key.startsWith(CHAT_TEMPLATE_KEY)) {
                    entries.put(key, value); // values are immutable heap copies; they outlive the mapping
                }
            });
            if (!(entries.get(TOKENS_KEY) instanceof GgufArray tokens) || tokens.elementType() != GgufValueType.STRING) {
                throw new GgufFormatException(gguf, "no vocabulary to copy: " + TOKENS_KEY + " is missing or not an array of strings",
                        file.metadata().offsetOf(TOKENS_KEY).orElse(-1));
            }
            List<String> texts = tokens.strings();
            int eot = texts.indexOf("<|eot_id|>");
            return new VocabularySource(entries, texts.size(), texts.contains("<|start_header_id|>"),
                    eot >= 0 ? OptionalInt.of(eot) : OptionalInt.empty());
        }
    }

    boolean hasChatTemplate() {
        return entries.containsKey(CHAT_TEMPLATE_KEY);
    }
}
