package io.edgenode.server.openai;

import java.nio.charset.StandardCharsets;
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
 * Cost of parsing and validating one chat request body ({@code ChatCompletionRequest.parse}: UTF-8
 * check, Jackson with the node's read constraints, every field validated), done once per request
 * on a virtual thread before the engine sees it. {@code messages}: 1 (a first turn) or 16 (a
 * conversation sent with its whole history), each user message about 60 words.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChatRequestParseBenchmark {
    @Param({"1", "16"})
    public int messages;

    private byte[] body;

    @Setup
    public void setUp() {
        String words = "The quick brown fox jumps over the lazy dog while \\\"quoted\\\" text, a tab\\t and a newline\\n"
                + " keep the escaper busy. ";
        StringBuilder sb = new StringBuilder("{\"model\":\"tiny\",\"messages\":[");
        sb.append("{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"}");
        for (int i = 0; i < messages; i++) {
            String role = i % 2 == 0 ? "user" : "assistant";
            sb.append(",{\"role\":\"").append(role).append("\",\"content\":\"").append(words.repeat(3)).append("\"}");
        }
        sb.append("],\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\":128,")
                .append("\"temperature\":0.7,\"top_p\":0.95,\"stop\":[\"</s>\"],\"ignore_eos\":false,\"user\":\"bench\"}");
        body = sb.toString().getBytes(StandardCharsets.UTF_8);
        ChatCompletionRequest.parse(body); // fails the trial at once if the body were refused
    }

    @Benchmark
    public ChatCompletionRequest parse() {
        return ChatCompletionRequest.parse(body);
    }
}
