package io.edgenode.server.node;

import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.config.RoutingSettings;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The resolve stage: which models may serve a request ({@link Candidates}), and leases on them.
 * The requested model (id or alias), then its {@code fallbacks} in order when it is overloaded,
 * failed to load or does not fit the memory budget; {@code "auto"} tries the configured models
 * from the smallest up until one's context fits the prompt, and sends prompts of at least the
 * configured threshold to the large model. The pipeline loops over the candidates; this class
 * decides nothing about prompts or engines. Stateless apart from its collaborators; thread-safe.
 * {@link #acquire} blocks (loads are awaited): call it on a virtual thread, never on an event loop.
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

    /**
     * The candidates for {@code requested} (an id, an alias, or {@code "auto"}).
     *
     * @throws ApiException 404 for an unknown model
     */
    public Candidates candidates(String requested) {
        boolean auto = requested.equals(RoutingSettings.AUTO);
        return new Candidates(auto ? autoCandidates() : named(requested), auto, routing, host);
    }

    /**
     * {@code requested} (an id or alias) alone: no {@code auto}, no fallbacks. For work that
     * belongs to one model, such as a session turn (its history and KV cache).
     *
     * @throws ApiException 404 for an unknown model (also for {@code "auto"})
     */
    public Candidates only(String requested) {
        ModelSpec spec = generationModel(requested);
        return new Candidates(List.of(spec), false, routing, host);
    }

    /**
     * A lease on {@code spec}'s model, loading (and downloading) it first when needed, waiting at
     * most the load wait. Give it back with {@link #release} once the generation completed or
     * was never submitted.
     */
    public LoadedModel acquire(ModelSpec spec) throws ModelUnavailableException, InterruptedException {
        return host.acquire(spec.id(), loadWait);
    }

    public void release(LoadedModel model) {
        host.release(model);
    }

    private List<ModelSpec> named(String requested) {
        ModelSpec primary = generationModel(requested);
        List<ModelSpec> out = new ArrayList<>();
        out.add(primary);
        for (String id : primary.fallbacks()) {
            out.add(host.spec(id).orElseThrow());
        }
        return out;
    }

    /** The generation model {@code requested}; 400 for an embedding model, 404 for an unknown name. */
    private ModelSpec generationModel(String requested) {
        return host.spec(requested).orElseThrow(() -> new ApiException(host.embeddingSpec(requested).isPresent()
                ? ApiError.invalidRequest("model", "model " + requested + " is an embedding model: use /v1/embeddings")
                : ApiError.modelNotFound(requested)));
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
}
