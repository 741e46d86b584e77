package io.edgenode.core.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A BERT WordPiece tokenizer read from a Hugging Face {@code tokenizer.json}, producing the ids HF's
 * {@code tokenizers} library produces for {@code encode(text, add_special_tokens=True)} with no
 * truncation or padding. Immutable once built; thread-safe.
 *
 * <p>The steps, as HF runs them: split the raw text on the added (special) tokens, which match
 * case-sensitively before any normalization ({@code "[MASK]"} in a text is the mask token, as in
 * HF); normalize each remaining piece ({@link BertNormalizer}); pre-tokenize (split on whitespace,
 * isolate every punctuation character: {@code BertPreTokenizer}); WordPiece each word greedily,
 * longest match first, continuations prefixed {@code ##}, a word with an unmatched remainder or over
 * {@code max_input_chars_per_word} code points becoming {@code [UNK]}; then {@code [CLS] ... [SEP]}.
 *
 * <p>Only what BERT-family models use is accepted: a file asking for another normalizer,
 * pre-tokenizer, model or post-processor, or for added tokens with {@code lstrip}/{@code rstrip}/
 * {@code single_word}/{@code normalized}, is refused when read rather than tokenized differently.
 */
public final class WordPieceTokenizer {
    private final Map<String, Integer> vocab;
    private final int vocabSize;
    private final int unkId;
    private final String continuingPrefix;
    private final int maxInputCharsPerWord;
    private final BertNormalizer normalizer;
    /** Added tokens, matched on the raw text; longest first so the first hit at a position is the longest. */
    private final List<AddedToken> added;
    private final int clsId;
    private final int sepId;

    private record AddedToken(String content, int id) {}

    private WordPieceTokenizer(Map<String, Integer> vocab, int unkId, String continuingPrefix, int maxInputCharsPerWord,
            BertNormalizer normalizer, List<AddedToken> added, int clsId, int sepId) {
        this.vocab = vocab;
        this.vocabSize = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        this.unkId = unkId;
        this.continuingPrefix = continuingPrefix;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
        this.normalizer = normalizer;
        this.added = added;
        this.clsId = clsId;
        this.sepId = sepId;
    }

    /**
     * Reads a {@code tokenizer.json}.
     *
     * @throws IOException the stream fails or is not JSON
     * @throws IllegalArgumentException the file describes a tokenizer this class does not implement
     */
    public static WordPieceTokenizer read(InputStream tokenizerJson) throws IOException {
        Objects.requireNonNull(tokenizerJson, "tokenizerJson");
        JsonNode root = new ObjectMapper().readTree(tokenizerJson);
        JsonNode model = root.path("model");
        require("WordPiece".equals(model.path("type").asText()), "model.type must be WordPiece, got "
                + model.path("type"));
        Map<String, Integer> vocab = new HashMap<>();
        model.path("vocab").properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        require(!vocab.isEmpty(), "model.vocab is empty");
        String unk = model.path("unk_token").asText("[UNK]");
        Integer unkId = vocab.get(unk);
        require(unkId != null, "unk_token " + unk + " is not in the vocabulary");
        String prefix = model.path("continuing_subword_prefix").asText("##");
        int maxChars = model.path("max_input_chars_per_word").asInt(100);

        JsonNode n = root.path("normalizer");
        BertNormalizer normalizer;
        if (n.isMissingNode() || n.isNull()) {
            normalizer = new BertNormalizer(false, false, false, false);
        } else {
            require("BertNormalizer".equals(n.path("type").asText()), "normalizer.type must be BertNormalizer, got "
                    + n.path("type"));
            boolean lowercase = n.path("lowercase").asBoolean(true);
            // strip_accents null means "as lowercase" (bert.rs).
            boolean strip = n.path("strip_accents").isBoolean() ? n.path("strip_accents").asBoolean() : lowercase;
            normalizer = new BertNormalizer(n.path("clean_text").asBoolean(true),
                    n.path("handle_chinese_chars").asBoolean(true), strip, lowercase);
        }
        JsonNode pre = root.path("pre_tokenizer");
        require("BertPreTokenizer".equals(pre.path("type").asText()), "pre_tokenizer.type must be BertPreTokenizer, got "
                + pre.path("type"));

        List<AddedToken> added = new ArrayList<>();
        for (JsonNode t : root.path("added_tokens")) {
            String content = t.path("content").asText();
            require(!t.path("lstrip").asBoolean() && !t.path("rstrip").asBoolean()
                    && !t.path("single_word").asBoolean() && !t.path("normalized").asBoolean(),
                    "added token " + content + ": lstrip, rstrip, single_word and normalized are not supported");
            require(!content.isEmpty(), "an added token is empty");
            added.add(new AddedToken(content, t.path("id").asInt()));
        }
        added.sort((a, b) -> Integer.compare(b.content().length(), a.content().length()));

        JsonNode post = root.path("post_processor");
        int cls;
        int sep;
        switch (post.path("type").asText()) {
            case "TemplateProcessing" -> {
                JsonNode single = post.path("single");
                require(single.size() == 3 && single.get(0).has("SpecialToken") && single.get(1).has("Sequence")
                        && single.get(2).has("SpecialToken"), "post_processor.single must be [special, $A, special]");
                cls = specialId(post, single.get(0).path("SpecialToken").path("id").asText());
                sep = specialId(post, single.get(2).path("SpecialToken").path("id").asText());
            }
            case "BertProcessing" -> {
                cls = post.path("cls").get(1).asInt();
                sep = post.path("sep").get(1).asInt();
            }
            default -> throw new IllegalArgumentException("post_processor.type must be TemplateProcessing or "
                    + "BertProcessing, got " + post.path("type"));
        }
        return new WordPieceTokenizer(Map.copyOf(vocab), unkId, prefix, maxChars, normalizer, List.copyOf(added), cls,
                sep);
    }

    private static int specialId(JsonNode post, String name) {
        JsonNode ids = post.path("special_tokens").path(name).path("ids");
        require(ids.size() == 1, "post_processor.special_tokens." + name + " must have one id");
        return ids.get(0).asInt();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("tokenizer.json: " + message);
        }
    }

    /** One past the largest id (ids below it are valid model inputs). */
    public int vocabularySize() {
        return vocabSize;
    }

    /** The ids of {@code text} with {@code [CLS]} first and {@code [SEP]} last. */
    public int[] encode(String text) {
        Objects.requireNonNull(text, "text");
        IntList out = new IntList(text.length() / 3 + 4);
        out.add(clsId);
        int from = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken hit = addedAt(text, i);
            if (hit == null) {
                i++;
                continue;
            }
            encodePlain(text.substring(from, i), out);
            out.add(hit.id());
            i += hit.content().length();
            from = i;
        }
        encodePlain(text.substring(from), out);
        out.add(sepId);
        return out.toArray();
    }

    private AddedToken addedAt(String text, int at) {
        for (AddedToken t : added) {
            if (text.startsWith(t.content(), at)) {
                return t;
            }
        }
        return null;
    }

    /** Normalize, pre-tokenize and WordPiece a stretch of text with no added token in it. */
    private void encodePlain(String piece, IntList out) {
        if (piece.isEmpty()) {
            return;
        }
        String s = normalizer.normalize(piece);
        int wordStart = -1;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            int next = i + Character.charCount(c);
            if (BertNormalizer.isWhitespace(c)) {
                if (wordStart >= 0) {
                    wordPiece(s.substring(wordStart, i), out);
                    wordStart = -1;
                }
            } else if (isPunctuation(c)) {
                if (wordStart >= 0) {
                    wordPiece(s.substring(wordStart, i), out);
                    wordStart = -1;
                }
                wordPiece(s.substring(i, next), out);
            } else if (wordStart < 0) {
                wordStart = i;
            }
            i = next;
        }
        if (wordStart >= 0) {
            wordPiece(s.substring(wordStart), out);
        }
    }

    /** Greedy longest-match-first WordPiece of one word (HF {@code WordPiece::tokenize}). */
    private void wordPiece(String word, IntList out) {
        if (word.codePointCount(0, word.length()) > maxInputCharsPerWord) {
            out.add(unkId);
            return;
        }
        int mark = out.size();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (end > start) {
                String sub = word.substring(start, end);
                found = vocab.get(start > 0 ? continuingPrefix + sub : sub);
                if (found != null) {
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (found == null) {
                out.truncate(mark);
                out.add(unkId);
                return;
            }
            out.add(found);
            start = end;
        }
    }

    /** bert.rs {@code is_bert_punc}: ASCII punctuation or a Unicode {@code P*} category. */
    static boolean isPunctuation(int c) {
        if (c < 0x80) {
            return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
        }
        return switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** A growable int array: ids without boxing. Confined to one {@link #encode} call. */
    private static final class IntList {
        private int[] a;
        private int n;

        IntList(int capacity) {
            a = new int[Math.max(4, capacity)];
        }

        void add(int v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int size() {
            return n;
        }

        void truncate(int size) {
            n = size;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
