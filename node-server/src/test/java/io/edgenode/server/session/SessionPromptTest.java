package io.edgenode.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.core.chat.ChatMessage;
import io.edgenode.core.chat.ChatTemplate;
import io.edgenode.core.llama.LlamaLibrary;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.core.llama.ModelParams;
import io.edgenode.core.llama.QuantType;
import io.edgenode.core.llama.SyntheticModels;
import io.edgenode.store.synth.ModelPreset;
import io.edgenode.store.synth.SyntheticModelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Planning a session turn's prompt with the tiny model's real template and tokenizer. */
class SessionPromptTest {
    static final Path TINY = Path.of("target", "test-node", "models", "tiny-q8_0.gguf").toAbsolutePath();
    static final String SYSTEM = "You are terse.";
    static final List<ChatMessage> NEW = List.of(new ChatMessage("user", "and now?"));

    static LlamaModel model;
    static ChatTemplate template;

    @BeforeAll
    static void load() throws Exception {
        LlamaLibrary library = LlamaLibrary.load();
        if (!Files.isRegularFile(TINY)) {
            SyntheticModels.write(library, ModelPreset.TINY, QuantType.Q8_0, SyntheticModelBuilder.DEFAULT_SEED, null,
                    TINY, 0);
        }
        model = LlamaModel.load(library, TINY, ModelParams.defaults());
        template = ChatTemplate.of(model.chatTemplate(), "", "");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** The real steps, counted. */
    static final class CountingSteps implements SessionPrompt.Steps {
        final SessionPrompt.Steps real = SessionPrompt.Steps.of(template, model.vocab());
        int renders;
        int tokenizations;

        @Override
        public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
            renders++;
            return real.render(messages, addGenerationPrompt);
        }

        @Override
        public int[] tokenize(String rendered) {
            tokenizations++;
            return real.tokenize(rendered);
        }

        @Override
        public int[] tokenizeSuffix(String text) {
            tokenizations++;
            return real.tokenizeSuffix(text);
        }
    }

    static List<Turn> turns(int n) {
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            turns.add(new Turn(i, List.of(new SessionMessage("user", "question " + i + (i % 3 == 0 ? " with more words" : ""))),
                    "answer " + i, 0, 0, 0, "stop", 0));
        }
        return turns;
    }

    /** The prompt's length when the oldest {@code drop} turns are left out. */
    static int tokensDropping(List<Turn> turns, int drop) {
        String text = template.render(SessionPrompt.conversation(SYSTEM, turns.subList(drop, turns.size()), NEW), true);
        return SessionPrompt.tokenize(template, model.vocab(), text).length;
    }

    static SessionPrompt.Plan plan(SessionPrompt.Steps steps, List<Turn> turns, Continuation c, int budget) {
        return SessionPrompt.plan(steps, "tiny", SYSTEM, turns, NEW, c, budget);
    }

    @Test
    void shouldPlanA200TurnHistoryWithLogarithmicallyManyRendersAndTokenizations() {
        List<Turn> turns = turns(200);
        int budget = tokensDropping(turns, 150);
        CountingSteps steps = new CountingSteps();

        SessionPrompt.Plan p = plan(steps, turns, null, budget);

        int drop = p.droppedTurns();
        assertTrue(p.tokens().length <= budget, "fits");
        assertTrue(drop > 0 && drop <= 150, "dropped " + drop);
        assertTrue(tokensDropping(turns, drop - 1) > budget, "one turn fewer would not fit: the fewest dropped");
        // the whole history, then a binary search over 1..200: at most 1 + ceil(log2(201)) = 9 probes
        // (dropping one turn at a time rendered ~150 times).
        assertTrue(steps.renders <= 9, steps.renders + " renders");
        assertEquals(steps.renders, steps.tokenizations, "one tokenization per render");
    }

    @Test
    void shouldDropTheFewestTurnsThatFitForEveryBudget() {
        List<Turn> turns = turns(30);
        int[] lengths = new int[turns.size() + 1];
        for (int d = 0; d <= turns.size(); d++) {
            lengths[d] = tokensDropping(turns, d);
        }
        for (int budget = lengths[turns.size()] - 1; budget <= lengths[0] + 1; budget += 7) {
            int expected = 0;
            while (expected < turns.size() && lengths[expected] > budget) {
                expected++;
            }
            SessionPrompt.Plan p = plan(new CountingSteps(), turns, null, budget);
            assertEquals(expected, p.droppedTurns(), "budget " + budget);
            assertEquals(lengths[expected], p.tokens().length, "budget " + budget);
            assertFalse(p.continued());
        }
    }

    @Test
    void shouldRenderOnceWhenTheHistoryFits() {
        List<Turn> turns = turns(200);
        CountingSteps steps = new CountingSteps();

        SessionPrompt.Plan p = plan(steps, turns, null, Integer.MAX_VALUE);

        assertEquals(0, p.droppedTurns());
        assertEquals(1, steps.renders);
        assertEquals(template.render(SessionPrompt.conversation(SYSTEM, turns, NEW), true), p.text());
    }

    @Test
    void shouldKeepTheContinuationsExactIdsWhenTheHistoryFits() {
        List<Turn> turns = turns(3);
        // What the model saw and produced last turn: the rendered history up to the end of its reply.
        String history = template.render(SessionPrompt.conversation(SYSTEM, turns, List.of()), false);
        String seen = history.substring(0, history.lastIndexOf("answer 2") + "answer 2".length());
        Continuation c = new Continuation("tiny", SessionPrompt.tokenize(template, model.vocab(), seen), seen);
        CountingSteps steps = new CountingSteps();

        SessionPrompt.Plan p = plan(steps, turns, c, Integer.MAX_VALUE);

        assertTrue(p.continued(), "the stored ids are reused");
        assertEquals(0, p.droppedTurns());
        assertEquals(2, steps.renders, "the conversation and the history alone");
        int[] whole = SessionPrompt.tokenize(template, model.vocab(), p.text());
        assertEquals(whole.length, p.tokens().length);
    }

    @Test
    void shouldReturnTheLeastHistoryWhenNothingFits() {
        List<Turn> turns = turns(50);
        CountingSteps steps = new CountingSteps();

        SessionPrompt.Plan p = plan(steps, turns, null, 1);

        assertEquals(50, p.droppedTurns());
        assertEquals(tokensDropping(turns, 50), p.tokens().length);
        assertTrue(steps.renders <= 8, steps.renders + " renders");
    }

    @Test
    void shouldContinueWhileTheStateIsUnchangedAndTokenizeAgainAfterItChanged() throws Exception {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        String stored = "You are terse. The user is {{state.user.name}}.";
        String before = StatePrompt.render(stored, mapper.readTree("{\"user\":{\"name\":\"Ada\"}}"));
        List<Turn> turns = turns(3);
        // The continuation of the last turn, rendered with the state as it was then.
        String history = template.render(SessionPrompt.conversation(before, turns, List.of()), false);
        String seen = history.substring(0, history.lastIndexOf("answer 2") + "answer 2".length());
        Continuation c = new Continuation("tiny", SessionPrompt.tokenize(template, model.vocab(), seen), seen);

        String same = StatePrompt.render(stored, mapper.readTree("{\"user\":{\"name\":\"Ada\"},\"x\":1}"));
        SessionPrompt.Plan unchanged = SessionPrompt.plan(new CountingSteps(), "tiny", same, turns, NEW, c,
                Integer.MAX_VALUE);
        String after = StatePrompt.render(stored, mapper.readTree("{\"user\":{\"name\":\"Grace\"}}"));
        SessionPrompt.Plan changed = SessionPrompt.plan(new CountingSteps(), "tiny", after, turns, NEW, c,
                Integer.MAX_VALUE);

        assertEquals("You are terse. The user is Ada.", same);
        assertTrue(unchanged.continued(), "the same rendered text keeps the exact ids");
        assertFalse(changed.continued(), "a changed state renders another prompt: tokenized again");
        assertTrue(changed.text().contains("The user is Grace."));
        assertEquals(SessionPrompt.tokenize(template, model.vocab(), changed.text()).length, changed.tokens().length);
    }
}
