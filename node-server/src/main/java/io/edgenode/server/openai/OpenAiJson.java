package io.edgenode.server.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * JSON settings of the OpenAI API, and the one way a request body becomes a JSON object. Stateless.
 *
 * <p>Read limits, tighter than Jackson's defaults because every body comes from the network:
 * <ul>
 *   <li><b>nesting depth 64</b>: our deepest valid request is five levels (body, messages, message,
 *       content, part); 64 leaves room for fields we ignore (a tool's JSON schema) while bounding the
 *       recursion of tree building, which Jackson's default of 1000 does not do cheaply.</li>
 *   <li><b>number length 64</b>: every number we accept fits a {@code long} or a {@code double}
 *       (at most ~25 characters written out); longer digit strings only cost super-linear
 *       BigInteger/BigDecimal parsing (Jackson's default is 1000).</li>
 *   <li><b>string length 4 MiB</b> (characters): a 128k-token prompt is about 0.5 MiB of text, so
 *       4 MiB is 8x headroom for the longest context we serve, while one string can no longer
 *       claim Jackson's default 20 M characters (40 MB of heap). The HTTP layer's body limit
 *       bounds the whole document.</li>
 * </ul>
 * Trailing content after the top-level value is an error ({@code FAIL_ON_TRAILING_TOKENS}).
 *
 * <p>Writing: {@code COMBINE_UNICODE_SURROGATES_IN_UTF8} writes characters outside the BMP (emoji)
 * as 4-byte UTF-8 rather than a pair of {@code \}{@code uXXXX} escapes; lone surrogates are still
 * escaped. {@link JsonStrings} mirrors exactly this escaping for the per-token path.
 */
public final class OpenAiJson {
    static final int MAX_NESTING_DEPTH = 64;
    static final int MAX_NUMBER_LENGTH = 64;
    static final int MAX_STRING_LENGTH = 4 << 20;

    /** Immutable once built; shared by the parsers and the encoder of this package. */
    private static final JsonFactory FACTORY = newFactory();
    /** Never handed out (an ObjectMapper can be reconfigured); {@link #mapper()} returns copies. */
    private static final ObjectMapper READER_MAPPER = newMapper();

    private OpenAiJson() {}

    /** A new mapper with the API's read limits and features; callers own (and may configure) it. */
    public static ObjectMapper mapper() {
        return newMapper();
    }

    static JsonFactory factory() {
        return FACTORY;
    }

    private static JsonFactory newFactory() {
        return JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_NESTING_DEPTH)
                        .maxNumberLength(MAX_NUMBER_LENGTH)
                        .maxStringLength(MAX_STRING_LENGTH)
                        .build())
                .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
                .build();
    }

    private static ObjectMapper newMapper() {
        return JsonMapper.builder(newFactory())
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    /**
     * Parses a request body that must be one JSON object in UTF-8. Every failure is a 400
     * {@code invalid_request_error} whose message says what is wrong and where, in our words (never
     * a parser class or feature name).
     *
     * <p>The bytes are decoded with a REPORTing UTF-8 decoder first, and Jackson reads the
     * characters: invalid UTF-8 is reported with its byte offset, and Jackson's encoding detection
     * (which would accept a UTF-16 body) never runs. One leading byte-order mark is skipped.
     */
    public static ObjectNode readObject(byte[] body) {
        return readObject(body, null);
    }

    /**
     * As {@link #readObject(byte[])} for a body that is one parameter's value (a session's state document):
     * a body that is not an object is a 400 {@code invalid_type} about {@code param}.
     */
    public static ObjectNode readObject(byte[] body, String param) {
        Objects.requireNonNull(body, "body");
        CharBuffer chars = decodeUtf8(body);
        int start = chars.length() > 0 && chars.charAt(0) == '\uFEFF' ? 1 : 0;
        JsonNode root;
        try (JsonParser p = FACTORY.createParser(chars.array(), start, chars.length() - start)) {
            root = READER_MAPPER.readTree(p);
        } catch (JsonProcessingException e) {
            throw new ApiException(ApiError.invalidJson(describe(e)));
        } catch (IOException e) {
            // Reading from a char array does no I/O; anything else is still the body's fault.
            throw new ApiException(ApiError.invalidJson("the body could not be read as JSON"));
        }
        if (root == null || root.isMissingNode()) {
            throw new ApiException(ApiError.invalidJson("the body is empty"));
        }
        if (!root.isObject()) {
            throw new ApiException(ApiError.invalidRequest(param, ParamReader.INVALID_TYPE,
                    "Invalid type for " + (param == null ? "request body" : "`" + param + "` (the request body)")
                            + ": expected an object, but got " + ParamReader.describe(root) + " instead."));
        }
        return (ObjectNode) root;
    }

    private static CharBuffer decodeUtf8(byte[] body) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body);
        // UTF-8 never yields more chars than bytes, so one buffer of body.length always suffices.
        CharBuffer out = CharBuffer.allocate(body.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            throw new ApiException(ApiError.invalidJson(
                    "the body is not valid UTF-8 (invalid byte sequence at offset " + in.position() + ")"));
        }
        return out.flip();
    }

    /** Our wording for a parse failure; Jackson's own messages name its classes and features. */
    static String describe(JsonProcessingException e) {
        String where = where(e.getLocation());
        if (e instanceof StreamConstraintsException) {
            String m = String.valueOf(e.getOriginalMessage());
            if (m.startsWith("Document nesting depth")) {
                return "the document is nested deeper than " + MAX_NESTING_DEPTH + " levels";
            }
            if (m.startsWith("Number value length") || m.startsWith("Number length")) {
                return "a number is longer than " + MAX_NUMBER_LENGTH + " characters";
            }
            if (m.startsWith("String value length") || m.startsWith("String length")) {
                return "a string is longer than " + MAX_STRING_LENGTH + " characters";
            }
            return "the document exceeds a size limit";
        }
        if (e instanceof JsonEOFException) {
            return "unexpected end of input" + where;
        }
        if (e instanceof MismatchedInputException) {
            // The only databind-level failure of readTree: FAIL_ON_TRAILING_TOKENS.
            return "unexpected content after the JSON object" + where;
        }
        return sanitize(e.getOriginalMessage()) + where;
    }

    private static String where(JsonLocation loc) {
        if (loc == null || loc.getLineNr() < 1) {
            return "";
        }
        return " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    /**
     * Keeps the human part of a Jackson parse message ("Unexpected character ('}' (code 125)): was
     * expecting double-quote to start field name") and drops what names Jackson internals.
     */
    private static String sanitize(String m) {
        if (m == null || m.isBlank()) {
            return "malformed JSON";
        }
        String[] cuts = {" (start marker at", " (for Array starting", " (for Object starting", ": enable `",
            "[Source:", "\n"};
        for (String cut : cuts) {
            int i = m.indexOf(cut);
            if (i >= 0) {
                m = m.substring(0, i);
            }
        }
        if (m.indexOf('`') >= 0 || m.contains("jackson") || m.contains("Feature")) {
            return "malformed JSON";
        }
        m = m.strip();
        if (m.isEmpty()) {
            return "malformed JSON";
        }
        if (m.length() > 200) {
            m = m.substring(0, 200) + "...";
        }
        return Character.toLowerCase(m.charAt(0)) + m.substring(1);
    }
}
