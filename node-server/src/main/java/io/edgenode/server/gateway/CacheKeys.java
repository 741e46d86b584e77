package io.edgenode.server.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The exact response cache's key of one request: SHA-256 (hex) of a canonical form of the
 * request body together with what else decides the reply. Stateless (thread-safe).
 *
 * <p>Canonical body: objects with their keys sorted (by UTF-16 code unit, recursively), arrays
 * in order, strings as JSON writes them, numbers by value ({@code 1}, {@code 1.0}, {@code 1e0}
 * and {@code 10e-1} are one number: the decimal with trailing zeros stripped, written as
 * {@code unscaled e exponent}, which stays short for {@code 1e999999} where a plain decimal
 * string would not). Top-level {@code stream}, {@code stream_options} and {@code metadata} are
 * left out: they change how a reply is delivered or labelled, not what it says. Every other
 * field counts, {@code user} included (OpenAI's end-user id: leaving it in costs hits between
 * users of one key, never correctness).
 *
 * <p>Beside the body: the served model id (a request for an alias or {@code auto} is keyed by
 * the model that answers it), the model file's sha256 (a new file under the same id never serves
 * an old reply) and the tenant (the key id, {@code ""} when keyless): tenants never share
 * entries, so a cache hit can never tell one key what another asked.
 */
public final class CacheKeys {
    /** Changes when the canonical form does, so that an old entry can never match a new key. */
    static final String VERSION = "edgenode-cache-v1";
    /** Top-level fields that do not change what the reply says. */
    static final Set<String> EXCLUDED = Set.of("stream", "stream_options", "metadata");
    private static final JsonFactory JSON = new JsonFactory();

    private CacheKeys() {}

    /**
     * The key of {@code body} (the parsed request object) served by {@code servedModel} from the
     * file with digest {@code modelSha256}, for {@code tenant} (key id or {@code ""}).
     */
    public static String of(JsonNode body, String servedModel, String modelSha256, String tenant) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(servedModel, "servedModel");
        Objects.requireNonNull(modelSha256, "modelSha256");
        Objects.requireNonNull(tenant, "tenant");
        MessageDigest sha = sha256();
        // One JSON array frames the parts, so no part can run into the next one.
        try (JsonGenerator g = JSON.createGenerator(new DigestOutputStream(OutputStream.nullOutputStream(), sha))) {
            g.writeStartArray();
            g.writeString(VERSION);
            g.writeString(servedModel);
            g.writeString(modelSha256);
            g.writeString(tenant);
            write(g, body, true);
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the stream discards; cannot happen
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The canonical JSON of {@code body} as {@link #of} hashes it (tests, debugging). */
    static String canonical(JsonNode body) {
        var out = new java.io.StringWriter();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            write(g, body, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    // Recursion is bounded by the parser's nesting limit (OpenAiJson's StreamReadConstraints).
    private static void write(JsonGenerator g, JsonNode n, boolean top) throws IOException {
        switch (n.getNodeType()) {
            case OBJECT -> {
                List<String> names = new ArrayList<>(n.size());
                n.fieldNames().forEachRemaining(names::add);
                names.sort(null);
                g.writeStartObject();
                for (String name : names) {
                    if (top && EXCLUDED.contains(name)) {
                        continue;
                    }
                    g.writeFieldName(name);
                    write(g, n.get(name), false);
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray();
                for (JsonNode e : n) {
                    write(g, e, false);
                }
                g.writeEndArray();
            }
            case NUMBER -> g.writeRawValue(number(n));
            case STRING -> g.writeString(n.textValue());
            case BOOLEAN -> g.writeBoolean(n.booleanValue());
            case NULL, MISSING -> g.writeNull();
            case BINARY, POJO -> g.writeString(n.asText()); // never from a parsed body
        }
    }

    /** A number by value: {@code unscaled e exponent} of the decimal without trailing zeros. */
    static String number(JsonNode n) {
        if ((n.isDouble() || n.isFloat()) && !Double.isFinite(n.doubleValue())) {
            return "\"" + n.doubleValue() + "\""; // NaN, Infinity: only with a lenient parser
        }
        BigDecimal d = n.decimalValue();
        if (d.signum() == 0) {
            return "0e0"; // 0, -0.0, 0.000 and 0e5 are one number
        }
        d = d.stripTrailingZeros();
        return d.unscaledValue() + "e" + (-(long) d.scale());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
