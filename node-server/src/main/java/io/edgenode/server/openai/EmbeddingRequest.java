package io.edgenode.server.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A validated {@code POST /v1/embeddings} body, OpenAI's shape. Immutable.
 *
 * <p>{@code input} is a string, an array of strings, an array of token ids (one input), or an array
 * of arrays of token ids; never empty, at most {@value #MAX_INPUTS} inputs (OpenAI's limit), no empty
 * string, no empty token array, no mix of kinds. {@code encoding_format} is {@code float} (default)
 * or {@code base64}. {@code dimensions}, when given, is a positive integer (the endpoint checks it
 * against the model). {@code user} is read and unused. Unknown fields are ignored.
 *
 * @param texts the inputs as text, or null when they are token ids
 * @param tokenIds the inputs as token ids, or null when they are text
 */
public record EmbeddingRequest(String model, List<String> texts, List<int[]> tokenIds, boolean base64,
        OptionalInt dimensions, String user) {
    /** Most inputs in one request, as OpenAI. */
    public static final int MAX_INPUTS = 2048;

    public EmbeddingRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(dimensions, "dimensions");
        if ((texts == null) == (tokenIds == null)) {
            throw new IllegalArgumentException("texts or token ids");
        }
        texts = texts == null ? null : List.copyOf(texts);
        tokenIds = tokenIds == null ? null : List.copyOf(tokenIds);
    }

    /** Number of inputs. */
    public int size() {
        return texts != null ? texts.size() : tokenIds.size();
    }

    /**
     * Parses and validates a request body.
     *
     * @throws ApiException the 400 OpenAI would send, with {@code param} naming the field or input
     */
    public static EmbeddingRequest parse(byte[] body) {
        ParamReader r = ParamReader.root(OpenAiJson.readObject(body));
        String model = r.requiredString("model");
        JsonNode input = r.required("input");
        List<String> texts = null;
        List<int[]> ids = null;
        if (input.isTextual()) {
            texts = List.of(text(input, "input"));
        } else if (input.isArray()) {
            if (input.isEmpty()) {
                throw ParamReader.emptyArray("input");
            }
            JsonNode first = input.get(0);
            if (first.isTextual()) {
                texts = texts(input);
            } else if (first.isIntegralNumber()) {
                ids = List.of(tokens(input, "input"));
            } else if (first.isArray()) {
                ids = tokenArrays(input);
            } else {
                throw ParamReader.invalidType("input[0]", "a string, an integer or an array of integers", first);
            }
        } else {
            throw ParamReader.invalidType("input", "a string or an array", input);
        }
        String format = r.string("encoding_format");
        boolean base64 = false;
        if (format != null) {
            switch (format) {
                case "float" -> base64 = false;
                case "base64" -> base64 = true;
                default -> throw ParamReader.invalidValue("encoding_format", format, List.of("float", "base64"));
            }
        }
        OptionalInt dimensions = r.get("dimensions") == null ? OptionalInt.empty()
                : OptionalInt.of((int) r.integer("dimensions", 0, 1, Integer.MAX_VALUE));
        return new EmbeddingRequest(model, texts, ids, base64, dimensions, r.string("user"));
    }

    private static String text(JsonNode n, String param) {
        if (n.textValue().isEmpty()) {
            throw ParamReader.emptyString(param);
        }
        return n.textValue();
    }

    private static List<String> texts(JsonNode array) {
        checkLength(array, "input");
        List<String> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonNode n = array.get(i);
            if (!n.isTextual()) {
                throw ParamReader.invalidType("input[" + i + "]", "a string (the array holds strings)", n);
            }
            out.add(text(n, "input[" + i + "]"));
        }
        return out;
    }

    private static List<int[]> tokenArrays(JsonNode array) {
        checkLength(array, "input");
        List<int[]> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            JsonNode n = array.get(i);
            String param = "input[" + i + "]";
            if (!n.isArray()) {
                throw ParamReader.invalidType(param, "an array of integers (the array holds token arrays)", n);
            }
            if (n.isEmpty()) {
                throw ParamReader.emptyArray(param);
            }
            out.add(tokens(n, param));
        }
        return out;
    }

    /** One input's token ids; the model checks the range (its vocabulary). */
    private static int[] tokens(JsonNode array, String param) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode n = array.get(i);
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw ParamReader.invalidType(param + "[" + i + "]", "an integer token id", n);
            }
            ids[i] = n.intValue();
        }
        return ids;
    }

    private static void checkLength(JsonNode array, String param) {
        if (array.size() > MAX_INPUTS) {
            throw ParamReader.arrayTooLong(param, MAX_INPUTS, array.size());
        }
    }
}
