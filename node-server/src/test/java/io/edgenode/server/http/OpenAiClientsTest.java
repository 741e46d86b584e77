package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.chat.completions.StructuredChatCompletion;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Unmodified clients against the node: the official OpenAI Java SDK (tool calls, the tool-result
 * round trip, streamed calls through its own accumulator, structured output from a Java class) and
 * LangChain4j's OpenAI chat model (an agent framework's tool request). A real node, real llama.cpp,
 * a synthetic model with random weights and a Hermes-style template: the grammar alone makes the
 * output a call.
 */
@Timeout(180)
class OpenAiClientsTest {
    static TestNode node;
    static OpenAIClient openai;

    /**
     * A function tool described by a class, the SDK's way: its schema is the class's (strict). Its
     * fields are bounded (an enum, an integer): a random-weights model may write a free string for
     * longer than any token limit, grammar or not.
     */
    public static class GetForecast {
        public enum Unit { CELSIUS, FAHRENHEIT }

        public Unit unit;
        public long days;
    }

    /** A structured answer described by a class (bounded fields, see {@link GetForecast}). */
    public static class Reading {
        public boolean raining;
        public long celsius;
    }

    @BeforeAll
    static void start() throws Exception {
        Path template = Path.of("src/test/resources/templates/hermes-tools.jinja").toAbsolutePath();
        node = new TestNode(TestNode.tinyModel("tiny", 2, 4096, 32) + "    chat_template_file: " + template + "\n");
        openai = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + node.node.port() + "/v1")
                .apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        openai.close();
        node.close();
    }

    static ChatCompletionCreateParams.Builder weather() {
        return ChatCompletionCreateParams.builder().model("tiny").addUserMessage("Weather in Paris?")
                .addTool(GetForecast.class).toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED)
                .parallelToolCalls(false).maxCompletionTokens(300);
    }

    @Test
    void officialSdkShouldGetAToolCallSendItsResultAndGetAnAnswer() {
        ChatCompletion first = openai.chat().completions().create(weather().temperature(1.0).seed(7).build());
        ChatCompletion.Choice choice = first.choices().getFirst();
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, choice.finishReason());
        List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
        assertEquals(1, calls.size());
        ChatCompletionMessageFunctionToolCall call = calls.getFirst().asFunction();
        assertEquals("GetForecast", call.function().name());
        GetForecast args = call.function().arguments(GetForecast.class); // the SDK parses them into the class
        assertTrue(args.unit != null);

        ChatCompletion answer = openai.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("tiny").addUserMessage("Weather in Paris?").addTool(GetForecast.class)
                .addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("18 C").build())
                .maxCompletionTokens(8).temperature(0.0).build());
        assertEquals(1, answer.choices().size());
        assertTrue(answer.usage().orElseThrow().promptTokens() > first.usage().orElseThrow().promptTokens());
    }

    @Test
    void officialSdkShouldAccumulateStreamedCallsIntoTheWholeMessage() {
        ChatCompletion whole = openai.chat().completions().create(weather().temperature(0.0).build());
        ChatCompletionAccumulator acc = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = openai.chat().completions()
                .createStreaming(weather().temperature(0.0).build())) {
            stream.stream().forEach(acc::accumulate);
        }
        ChatCompletion streamed = acc.chatCompletion();
        var w = whole.choices().getFirst().message().toolCalls().orElseThrow().getFirst().asFunction().function();
        var s = streamed.choices().getFirst().message().toolCalls().orElseThrow().getFirst().asFunction().function();
        assertEquals(w.name(), s.name());
        assertEquals(w.arguments(), s.arguments());
        assertEquals(ChatCompletion.Choice.FinishReason.TOOL_CALLS, streamed.choices().getFirst().finishReason());
    }

    @Test
    void officialSdkShouldParseStructuredOutputIntoAClass() {
        StructuredChatCompletion<Reading> r = openai.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("tiny").addUserMessage("A reading, please.").maxCompletionTokens(300).temperature(1.0).seed(3)
                .responseFormat(Reading.class).build());
        // The SDK deserializes the content into the class; invalid JSON or a wrong field would throw here.
        Reading reading = r.choices().getFirst().message().content().orElseThrow();
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, r.choices().getFirst().finishReason());
    }

    @Test
    void langChain4jShouldReceiveAToolExecutionRequest() throws Exception {
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl("http://127.0.0.1:" + node.node.port() + "/v1")
                .apiKey("unused").modelName("tiny").temperature(1.0).seed(11).maxCompletionTokens(300).maxRetries(0)
                .build();
        ToolSpecification weather = ToolSpecification.builder().name("get_weather").description("Current weather")
                .parameters(JsonObjectSchema.builder().addEnumProperty("unit", List.of("c", "f"))
                        .addIntegerProperty("days").required("unit", "days").build()).build();
        ChatResponse r = model.chat(ChatRequest.builder().messages(UserMessage.from("Weather in Paris?"))
                .toolSpecifications(weather).toolChoice(ToolChoice.REQUIRED).build());
        assertTrue(r.aiMessage().hasToolExecutionRequests(), r.toString());
        ToolExecutionRequest call = r.aiMessage().toolExecutionRequests().getFirst();
        assertEquals("get_weather", call.name());
        assertFalse(call.id().isEmpty());
        assertTrue(new ObjectMapper().readTree(call.arguments()).has("unit"), call.arguments());
    }
}
