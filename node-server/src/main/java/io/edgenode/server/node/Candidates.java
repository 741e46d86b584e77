package io.edgenode.server.node;

import io.edgenode.server.config.ModelSpec;
import io.edgenode.server.config.RoutingSettings;
import io.edgenode.server.openai.ApiError;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The models that may serve one request, in the order to try them, as the resolve stage of the
 * pipeline hands them out. Confined to the request's thread (one instance per request).
 *
 * <p>A named model comes first, then its {@code fallbacks}; {@code "auto"} lists every model
 * smallest first and the large model last. The pipeline takes the next candidate with
 * {@link #next()}, plans for it, and asks {@link #misfit} whether the planned prompt suits it:
 * for {@code auto} a prompt over the large-model threshold moves the large model up next, and a
 * prompt that does not fit the model's per-request share moves on. No candidate is handed out
 * twice.
 */
public final class Candidates {
    private final List<ModelSpec> order;
    private final boolean auto;
    private final RoutingSettings routing;
    private final ModelHost host;
    private final Set<String> tried = new LinkedHashSet<>();
    private int next;

    Candidates(List<ModelSpec> order, boolean auto, RoutingSettings routing, ModelHost host) {
        this.order = new ArrayList<>(order);
        this.auto = auto;
        this.routing = routing;
        this.host = host;
    }

    /** The next model to try, or empty when every candidate has been tried. */
    public Optional<ModelSpec> next() {
        while (next < order.size()) {
            ModelSpec spec = order.get(next++);
            if (tried.add(spec.id())) {
                return Optional.of(spec);
            }
        }
        return Optional.empty();
    }

    /**
     * Why {@code model} should not serve a prompt of {@code promptTokens} of its tokens, or empty
     * when it should. Only {@code auto} routes by length: a named model answers an oversized
     * prompt with its own 400 (the plan's context check).
     */
    public Optional<ApiError> misfit(LoadedModel model, int promptTokens) {
        if (!auto) {
            return Optional.empty();
        }
        String large = routing.autoLargeModel().orElse(null);
        // once the large model has been tried (and could not serve), the small ones are the fallbacks
        if (large != null && !tried.contains(large) && promptTokens >= routing.autoLargeThresholdTokens()) {
            order.add(next, host.spec(large).orElseThrow());
            return Optional.of(tooLong(model));
        }
        if (promptTokens >= model.engine().config().maxSequenceTokens()) {
            return Optional.of(tooLong(model));
        }
        return Optional.empty();
    }

    private static ApiError tooLong(LoadedModel m) {
        return ApiError.contextLengthExceeded("The prompt does not fit the context of any configured model"
                + " (the largest tried: " + m.id() + ", " + m.engine().config().maxSequenceTokens()
                + " tokens per request).");
    }
}
