package io.edgenode.core.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.edgenode.store.synth.ChatTemplates;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One compiled template, rendered from several threads at once, gives each thread its own result. */
class ChatTemplateConcurrencyTest {

    private static final int THREADS = 4;
    private static final int RENDERS_PER_THREAD = 100;

    @Test
    void shouldRenderSameResultsFromConcurrentThreads() throws Exception {
        List<ChatTemplate> templates = List.of(
                ChatTemplate.of(Optional.of(ChatTemplates.LLAMA_3), "<|begin_of_text|>", "<|eot_id|>"),
                ChatTemplate.of(Optional.of(ChatTemplateJinjaTest.MISTRAL_STYLE), "<s>", "</s>"),
                ChatTemplate.fallback("", ""));
        // Conversations of different lengths, so that a leak between renders would show.
        List<List<ChatMessage>> conversations = new ArrayList<>();
        for (int n = 1; n <= 6; n++) {
            List<ChatMessage> c = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                c.add(new ChatMessage(i % 2 == 0 ? "user" : "assistant", "turn " + i + " of " + n));
            }
            conversations.add(List.copyOf(c));
        }
        String[][] expected = new String[templates.size()][conversations.size()];
        for (int t = 0; t < templates.size(); t++) {
            for (int c = 0; c < conversations.size(); c++) {
                expected[t][c] = templates.get(t).render(conversations.get(c), c % 2 == 0);
            }
        }

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> results = new ArrayList<>();
            for (int w = 0; w < THREADS; w++) {
                int worker = w;
                results.add(pool.submit(() -> {
                    start.await();
                    int checked = 0;
                    for (int i = 0; i < RENDERS_PER_THREAD; i++) {
                        int t = (i + worker) % templates.size();
                        int c = (i * 7 + worker) % conversations.size();
                        assertEquals(expected[t][c], templates.get(t).render(conversations.get(c), c % 2 == 0));
                        checked++;
                    }
                    return checked;
                }));
            }
            start.countDown();
            for (Future<Integer> r : results) {
                assertEquals(RENDERS_PER_THREAD, r.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
