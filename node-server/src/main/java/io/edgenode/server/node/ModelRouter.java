package io.edgenode.server.node;

import io.edgenode.core.engine.EngineRejectedException;
import io.edgenode.core.engine.GenerationHandle;
import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.config.RoutingSettings;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Picks the model that serves a request and submits to it: the requested model (id or alias),
 * then its {@code fallbacks} in order when it is overloaded, failed to load or does not fit the
 * memory budget; {@code "auto"} tries the configured models from the smallest up until one's
 * context fits the prompt, and sends prompts of at least the configured threshold to the large
 * model. Each try renders and tokenizes again for the model tried (through the caller's
 * {@link Attempt}), so a fallback with another vocabulary or template gets a correct prompt.
 * Stateless apart from its collaborators; thread-safe. Blocking (loads are awaited): call it on a
 * virtual thread, never on an event loop.
 */
public final class ModelRouter {
    /** How long a request waits for its model to download and load before a 503. */
    public static final Duration DEFAULT_LOAD_WAIT = Duration.ofMinutes(3);

    private final ModelHost host;
    private final RoutingSettings routing;
    private final Duration loadWait;

    public ModelRouter(ModelHost host, RoutingSettings routing, Duration loadWait) {
        this.host = Objects.requireNonNull(host, "host");
        this.routing = Objects.requireNonNull(routing, "routing");
        this.loadWait = Objects.requireNonNull(loadWait, "loadWait");
    }

    /** Builds the prompt for {@code model}, checks it with {@code route}, and submits it to the model's engine. */
    @FunctionalInterface
    public interface Attempt {
        GenerationHandle run(LoadedModel model, Route route);
    }

    /** What an attempt reports back once its prompt is tokenized. */
    public interface Route {
        /**
         * Called with the prompt's length in the tried model's tokens before submitting. For
         * {@code "auto"} it moves on to another model (by throwing; the attempt must not catch
         * it) when the prompt is over the large-model threshold or does not fit this model's
         * context; for a named model it does nothing (the context check answers 400 as usual).
         */
        void admit(int promptTokens);
    }

    /** Thrown by {@link Route#admit} to try the next candidate. */
    private static final class Reroute extends RuntimeException {
        final String toModel; // null: the next candidate

        Reroute(String toModel) {
            super(null, null, false, false);
            this.toModel = toModel;
        }
    }

    /**
     * Serves {@code requested} (an id, an alias, or {@code "auto"}): the model's lease is held
     * until the generation completes.
     *
     * @throws ApiException 404 for an unknown model; 429 when the model and its fallbacks are all
     *     overloaded; 503 when none can be loaded (the last reason, with the budget's numbers)
     */
    public GenerationHandle serve(String requested, Attempt attempt) {
        return serve(requested, attempt, true);
    }

    /**
     * Serves {@code requested} (an id or alias) on that model only: no {@code auto}, no fallbacks.
     * For work that belongs to one model, such as a session turn (its history and KV cache).
     */
    public GenerationHandle serveOnly(String requested, Attempt attempt) {
        return serve(requested, attempt, false);
    }

    private GenerationHandle serve(String requested, Attempt attempt, boolean reroute) {
        boolean auto = reroute && requested.equals(RoutingSettings.AUTO);
        List<ModelSpec> candidates = auto ? autoCandidates() : named(requested);
        if (!reroute) {
            candidates = candidates.subList(0, 1);
        }
        ApiError last = null;
        Set<String> tried = new LinkedHashSet<>();
        for (int i = 0; i < candidates.size(); i++) {
            ModelSpec spec = candidates.get(i);
            if (!tried.add(spec.id())) {
                continue;
            }
            LoadedModel m;
            try {
                m = host.acquire(spec.id(), loadWait);
            } catch (ModelUnavailableException e) {
                last = ApiError.unavailable(e.getMessage());
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(ApiError.notReady());
            }
            GenerationHandle handle = null;
            try {
                handle = attempt.run(m, auto ? autoRoute(m, tried) : n -> { });
                if (handle == null) {
                    return null; // the attempt answered by itself
                }
                handle.completion().whenComplete((r, t) -> host.release(m));
                return handle;
            } catch (Reroute r) {
                if (r.toModel != null && !tried.contains(r.toModel)) {
                    candidates = new ArrayList<>(candidates);
                    candidates.add(i + 1, host.spec(r.toModel).orElseThrow());
                }
                last = ApiError.contextLengthExceeded("The prompt does not fit the context of any configured model"
                        + " (the largest tried: " + spec.id() + ", " + m.engine().config().maxSequenceTokens()
                        + " tokens per request).");
            } catch (EngineRejectedException e) {
                switch (e.reason()) {
                    case OVERLOADED -> last = ApiError.overloaded(e.getMessage());
                    case CONTEXT_LENGTH_EXCEEDED -> throw new ApiException(ApiError.contextLengthExceeded(e.getMessage()));
                    case SHUT_DOWN -> last = ApiError.notReady();
                }
            } finally {
                if (handle == null) {
                    host.release(m);
                }
            }
        }
        throw new ApiException(last != null ? last : ApiError.notReady());
    }

    private List<ModelSpec> named(String requested) {
        ModelSpec primary = host.spec(requested).orElseThrow(() -> new ApiException(ApiError.modelNotFound(requested)));
        List<ModelSpec> out = new ArrayList<>();
        out.add(primary);
        for (String id : primary.fallbacks()) {
            out.add(host.spec(id).orElseThrow());
        }
        return out;
    }

    /**
     * Every model but the large one, smallest first (by its memory estimate; a model whose file is
     * not there yet sorts last), then the large one.
     */
    private List<ModelSpec> autoCandidates() {
        String large = routing.autoLargeModel().orElse(null);
        List<ModelSpec> out = new ArrayList<>(host.specs().stream()
                .filter(s -> !s.id().equals(large))
                .sorted(Comparator.comparingLong(s -> host.estimate(s).map(ModelMemory::totalBytes)
                        .orElse(Long.MAX_VALUE)))
                .toList());
        if (large != null) {
            out.add(host.spec(large).orElseThrow());
        }
        return out;
    }

    private Route autoRoute(LoadedModel m, Set<String> tried) {
        String large = routing.autoLargeModel().orElse(null);
        return promptTokens -> {
            // once the large model has been tried (and could not serve), the small ones are the fallbacks
            if (large != null && !tried.contains(large) && promptTokens >= routing.autoLargeThresholdTokens()) {
                throw new Reroute(large);
            }
            if (promptTokens >= m.engine().config().maxSequenceTokens()) {
                throw new Reroute(null);
            }
        };
    }
}
