package io.edgenode.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.core.chat.ChatTemplate;
import io.edgenode.core.chat.ToolSpec;
import io.edgenode.core.chat.tools.ToolCallFormat;
import io.edgenode.core.chat.tools.ToolChoice;
import io.edgenode.core.chat.tools.ToolTemplateAnalysis;
import io.edgenode.core.engine.Constraint;
import io.edgenode.core.grammar.JsonSchemaConverter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a request with tools costs before it reaches the engine, when nothing is cached: analysing
 * the model's template (rendering probes and diffing them; the node does it once per template)
 * and building the call grammar for a tool set (the node does it once per model, template and tool
 * set). {@code -p template=PATH} analyses a Jinja file (llama.cpp's models/templates hold the
 * reference ones); the default is the ChatML fallback, which gets the generic format. The tool set
 * is {@code tools} copies of a weather tool with six typed parameters.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ToolPlanBenchmark {
    static final String PARAMETERS = """
            {"type":"object","properties":{
              "city":{"type":"string","maxLength":40},
              "unit":{"enum":["celsius","fahrenheit"]},
              "days":{"type":"integer","minimum":1,"maximum":14},
              "hourly":{"type":"boolean"},
              "fields":{"type":"array","items":{"enum":["temp","wind","rain"]},"maxItems":3},
              "at":{"type":"string","format":"date-time"}},
             "required":["city","unit"],"additionalProperties":false}""";

    @Param("")
    public String template;

    @Param({"1", "8"})
    public int tools;

    private ChatTemplate chatTemplate;
    private ToolCallFormat format;
    private List<ToolSpec> toolSpecs;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        chatTemplate = template.isEmpty() ? ChatTemplate.fallback("", "")
                : ChatTemplate.of(Optional.of(Files.readString(Path.of(template))), "<s>", "</s>");
        format = ToolTemplateAnalysis.of(chatTemplate).format();
        JsonNode params = new ObjectMapper().readTree(PARAMETERS);
        toolSpecs = new ArrayList<>();
        for (int i = 0; i < tools; i++) {
            toolSpecs.add(new ToolSpec("get_weather_" + i, "Weather", params, true));
        }
    }

    @Benchmark
    public ToolTemplateAnalysis analyseTemplate() {
        return ToolTemplateAnalysis.of(chatTemplate);
    }

    @Benchmark
    public Constraint buildCallGrammar() {
        JsonSchemaConverter rules = new JsonSchemaConverter();
        Constraint c = format.constraint(toolSpecs, ToolChoice.REQUIRED, true, rules);
        return new Constraint(rules.format(), c.root(), c.triggers());
    }
}
