package io.edgenode.bench.http;

import io.edgenode.core.engine.Engine;
import io.edgenode.core.engine.FinishReason;
import io.edgenode.core.engine.GenerationListener;
import io.edgenode.core.engine.GenerationRequest;
import io.edgenode.core.engine.GenerationResult;
import io.edgenode.core.llama.Vocab;
import io.edgenode.server.node.LoadedModel;
import io.edgenode.server.openai.ChatCompletionRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The same generation without HTTP: the request body goes through the node's own steps
 * (parse, render the chat template, tokenize, as {@code GenerationEndpoint.chat} does) on the
 * caller's thread, then straight to {@link Engine#submit}; a listener on the engine thread times
 * {@code onText}. Timing starts at {@code submit}, so the prompt preparation is not in it.
 * Stateless; the listeners it makes are each confined to the engine thread until completion.
 */
final class EnginePath {
    private final LoadedModel model;

    EnginePath(LoadedModel model) {
        this.model = model;
    }

    /** A prepared request: what the endpoint would submit for {@code body}. */
    record Prepared(int[] prompt, ChatCompletionRequest request) {}

    /** The prompt tokens and parameters the node derives from {@code body} (GenerationEndpoint.chat's steps). */
    Prepared prepare(byte[] body) {
        ChatCompletionRequest req = ChatCompletionRequest.parse(body);
        String rendered = model.template().render(req.messages(), true);
        return new Prepared(tokenize(model.model().vocab(), rendered), req);
    }

    /** GenerationEndpoint's tokenization: BOS added unless the rendered template already starts with it. */
    static int[] tokenize(Vocab vocab, String rendered) {
        String bos = vocab.bos() >= 0 ? new String(vocab.pieceBytes(vocab.bos(), true), StandardCharsets.UTF_8) : "";
        boolean addBos = vocab.addsBos() && (bos.isEmpty() || !rendered.startsWith(bos));
        return vocab.tokenize(rendered, addBos, true);
    }

    /** Submits the prepared requests together and waits for all; one timing per request, in order. */
    List<StreamTiming> run(List<Prepared> prepared, String idPrefix) throws Exception {
        Engine engine = model.engine();
        List<Timer> timers = new ArrayList<>(prepared.size());
        for (int i = 0; i < prepared.size(); i++) {
            Prepared p = prepared.get(i);
            ChatCompletionRequest r = p.request();
            Timer t = new Timer();
            GenerationRequest g = new GenerationRequest(idPrefix + "-" + i, p.prompt(), r.maxTokens(), r.sampling(),
                    r.stop(), r.ignoreEos(), r.user(), 0, t);
            t.start = System.nanoTime();
            engine.submit(g);
            timers.add(t);
        }
        List<StreamTiming> out = new ArrayList<>(timers.size());
        for (Timer t : timers) {
            GenerationResult result = t.done.get(300, TimeUnit.SECONDS);
            if (result.finishReason() != FinishReason.LENGTH) {
                throw new IllegalStateException("engine request " + result.requestId() + " ended " + result.finishReason()
                        + (result.error() == null ? "" : ": " + result.error()));
            }
            out.add(new StreamTiming(t.start, t.first, t.last, t.end, result.usage().completionTokens(), t.events,
                    result.usage().timeToFirstTokenNanos(), t.times));
        }
        return out;
    }

    /** Confined to the engine thread until {@code done} completes (which publishes the fields). */
    private static final class Timer implements GenerationListener {
        final CompletableFuture<GenerationResult> done = new CompletableFuture<>();
        volatile long start;
        long first = -1;
        long last = -1;
        long end;
        int events;
        long[] times = new long[256];

        @Override
        public void onText(String delta) {
            if (delta.isEmpty()) {
                return;
            }
            long now = System.nanoTime();
            if (first < 0) {
                first = now;
            }
            last = now;
            if (events == times.length) {
                times = java.util.Arrays.copyOf(times, events * 2);
            }
            times[events++] = now;
        }

        @Override
        public void onComplete(GenerationResult result) {
            end = System.nanoTime();
            done.complete(result);
        }
    }
}
