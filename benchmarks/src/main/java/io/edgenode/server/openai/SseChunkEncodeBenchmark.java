package io.edgenode.server.openai;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of encoding one token's SSE event, paid once per generated token of every stream:
 * {@code precomputed} is the node's hot path ({@link ContentChunkEncoder#sse}: constant head and
 * tail, one escape pass), {@code jackson} the same bytes through a Jackson generator per chunk
 * ({@code OpenAiEncoder.chatChunkContent}), the baseline it replaced. {@code delta}: a plain
 * word piece, text that needs JSON escapes, and non-ASCII text.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SseChunkEncodeBenchmark {
    @Param({"plain", "escaped", "unicode"})
    public String delta;

    private static final String ID = "chatcmpl-3f1c2b7a9e5d4c6b8a0f1e2d";
    private static final String MODEL = "bench-200m-q4_0";
    private static final String FINGERPRINT = "fp_edgenode";

    private final OpenAiEncoder encoder = new OpenAiEncoder();
    private ContentChunkEncoder chunks;
    private String text;

    @Setup
    public void setUp() {
        text = switch (delta) {
            case "plain" -> " the";
            case "escaped" -> "\"x\"\n\t";
            case "unicode" -> " caf\u00e9 \uD83D\uDE00";
            default -> throw new IllegalArgumentException(delta);
        };
        chunks = encoder.chatContentChunks(ID, 1_763_000_000L, MODEL, FINGERPRINT);
    }

    @Benchmark
    public byte[] precomputed() {
        return chunks.sse(text);
    }

    @Benchmark
    public byte[] jackson() {
        return OpenAiEncoder.sse(encoder.chatChunkContent(ID, 1_763_000_000L, MODEL, FINGERPRINT, text));
    }
}
