package io.edgenode.server.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.jobs.JobClock;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The node's workflows, as the HTTP layer sees them: create, read, deliver an event, cancel. Thread-safe; every
 * method blocks on the store (call from virtual threads, never an event loop) and throws {@link ApiException}
 * carrying the answer to send (400 before anything is stored, 404, 409, 503). A store that cannot be opened leaves
 * the node up: every call then answers 503.
 */
public final class Workflows implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Workflows.class.getName());
    public static final String ID_PREFIX = "wf_";
    private static final Set<String> FIELDS = Set.of("definition", "name", "params", "session_id");
    private static final char[] ALPHANUMERIC =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final WorkflowStore store;              // null: unavailable
    private final String failure;                   // why store is null
    private final WorkflowEngine engine;            // null with the store
    private final WorkflowDefinitions definitions;
    private final Predicate<URI> httpAllowed;
    private final Predicate<String> sessionExists;
    private final JobClock clock;

    private Workflows(WorkflowStore store, String failure, WorkflowEngine engine, WorkflowDefinitions definitions,
            Predicate<URI> httpAllowed, Predicate<String> sessionExists, JobClock clock) {
        this.store = store;
        this.failure = failure;
        this.engine = engine;
        this.definitions = definitions;
        this.httpAllowed = httpAllowed;
        this.sessionExists = sessionExists;
        this.clock = clock;
    }

    /**
     * Opens {@code <dataDir>/workflows.db}, resumes every unfinished workflow and starts the {@code
     * edgenode-workflows} thread, on the wall clock.
     *
     * @param httpAllowed   the allow-list of {@code http} step URLs (checked at creation and again on each rendered
     *                      URL)
     * @param sessionExists whether a session id names a live session (turn steps run in one); may block
     */
    public static Workflows start(Path dataDir, Predicate<URI> httpAllowed, Predicate<String> sessionExists,
            StepRunner runner, WorkflowListener listener) {
        return start(dataDir, httpAllowed, sessionExists, runner, listener, JobClock.system(), true);
    }

    /** As the public one; tests pass a fake clock and {@code runThread} false, then drive {@link #engine()}. */
    static Workflows start(Path dataDir, Predicate<URI> httpAllowed, Predicate<String> sessionExists,
            StepRunner runner, WorkflowListener listener, JobClock clock, boolean runThread) {
        Objects.requireNonNull(httpAllowed, "httpAllowed");
        Objects.requireNonNull(sessionExists, "sessionExists");
        Objects.requireNonNull(runner, "runner");
        Objects.requireNonNull(listener, "listener");
        WorkflowDefinitions definitions = new WorkflowDefinitions(dataDir, httpAllowed);
        WorkflowStore store;
        try {
            store = WorkflowStore.open(dataDir);
        } catch (WorkflowStoreException e) {
            LOG.log(System.Logger.Level.ERROR, "workflows unavailable: " + e.getMessage());
            return new Workflows(null, e.getMessage(), null, definitions, httpAllowed, sessionExists, clock);
        }
        WorkflowEngine engine = new WorkflowEngine(store, runner, listener, clock, httpAllowed);
        try {
            if (runThread) {
                engine.start();
            } else {
                engine.recover();
            }
        } catch (WorkflowStoreException e) {
            LOG.log(System.Logger.Level.ERROR, "workflows unavailable: " + e.getMessage());
            engine.close();
            store.close();
            return new Workflows(null, e.getMessage(), null, definitions, httpAllowed, sessionExists, clock);
        }
        return new Workflows(store, null, engine, definitions, httpAllowed, sessionExists, clock);
    }

    /**
     * Validates and stores a workflow, then starts it. {@code request} is {@code {"definition": {...}, "params"?,
     * "session_id"?}} or {@code {"name": "<stored definition>", "params"?, "session_id"?}}; a stored definition's
     * default params are overridden key by key. Every refusal comes before anything is stored or run.
     *
     * @param keyId the API key creating it (its turns run as that key), or null
     */
    public WorkflowView create(ObjectNode request, String keyId) {
        Objects.requireNonNull(request, "request");
        for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw DefinitionParser.bad(name, "unknown_parameter", "Unrecognized request argument supplied: "
                        + name + ".");
            }
        }
        if (request.has("definition") == request.has("name")) {
            throw DefinitionParser.bad(request.has("name") ? "name" : "definition", request.has("name")
                    ? "invalid_value" : "missing_required_parameter",
                    "Exactly one of `definition` or `name` is required.");
        }
        JsonNode p = request.get("params");
        if (p != null && !p.isObject()) {
            throw DefinitionParser.bad("params", "invalid_type", "`params` must be an object.");
        }
        String sessionId = null;
        if (request.has("session_id")) {
            JsonNode s = request.get("session_id");
            if (!s.isTextual() || s.asText().isEmpty()) {
                throw DefinitionParser.bad("session_id", "invalid_type", "`session_id` must be a non-empty string.");
            }
            sessionId = s.asText();
        }
        WorkflowDefinition def;
        ObjectNode source;
        ObjectNode params;
        String name = null;
        if (request.has("definition")) {
            def = WorkflowDefinition.parse(request.get("definition"), "definition", httpAllowed);
            source = (ObjectNode) request.get("definition");
            params = p == null ? JsonNodeFactory.instance.objectNode() : (ObjectNode) p.deepCopy();
        } else {
            JsonNode n = request.get("name");
            StoredDefinition stored = definitions.load(n.isTextual() ? n.asText() : null);
            name = stored.name();
            def = stored.definition();
            source = stored.source();
            params = stored.params().deepCopy();
            if (p != null) {
                params.setAll((ObjectNode) p);
            }
        }
        checkSessions(def, sessionId);
        requireStore(failure);
        long now = clock.nowMillis();
        WorkflowRecord w = WorkflowRecord.created(newId(), name, source.toString(), params.toString(), sessionId, keyId,
                now);
        try {
            store.create(w);
        } catch (WorkflowStoreException e) {
            throw mapped(e);
        }
        engine.submit(w.id());
        return WorkflowView.of(w, List.of());
    }

    private void checkSessions(WorkflowDefinition def, String sessionId) {
        if (sessionId != null && !sessionExists.test(sessionId)) {
            throw sessionNotFound("session_id", sessionId);
        }
        for (int i = 0; i < def.steps().size(); i++) {
            if (def.steps().get(i) instanceof Step.Turn t) {
                String at = "definition.steps[" + i + "].session_id";
                if (t.sessionId() == null && sessionId == null) {
                    throw DefinitionParser.bad("session_id", "missing_required_parameter", "Step '" + t.id()
                            + "' is a model turn: give the workflow a `session_id` (or the step one).");
                }
                if (t.sessionId() != null && !sessionExists.test(t.sessionId())) {
                    throw sessionNotFound(at, t.sessionId());
                }
            }
        }
    }

    private static ApiException sessionNotFound(String param, String id) {
        return new ApiException(new ApiError(404, ApiError.INVALID_REQUEST, "session_not_found", param,
                "No session found with id '" + id + "'."));
    }

    /** The workflow with every executed step, if it exists. */
    public Optional<WorkflowView> get(String id) {
        Objects.requireNonNull(id, "id");
        requireStore(failure);
        try {
            Optional<WorkflowRecord> w = store.get(id);
            if (w.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(WorkflowView.of(w.get(), store.steps(id)));
        } catch (WorkflowStoreException e) {
            throw mapped(e);
        }
    }

    /**
     * Delivers event {@code event} with {@code payload} (may be null): taken by a wait for it, else kept for a later
     * one. 404 unknown workflow, 409 finished (or too many undelivered events), 400 a bad event name.
     */
    public WorkflowView deliver(String id, String event, JsonNode payload) {
        Objects.requireNonNull(id, "id");
        if (event == null || !DefinitionParser.EVENT_NAME.matcher(event).matches()) {
            throw DefinitionParser.bad("event", "invalid_value",
                    "An event name is 1 to 64 letters, digits, '_', '.' or '-'.");
        }
        requireStore(failure);
        try {
            engine.deliver(id, event, payload);
        } catch (WorkflowStoreException e) {
            throw mapped(e);
        }
        return get(id).orElseThrow(() -> notFound(id));
    }

    /** Cancels the workflow at once. 404 unknown, 409 already finished. */
    public WorkflowView cancel(String id) {
        Objects.requireNonNull(id, "id");
        requireStore(failure);
        try {
            engine.cancel(id);
        } catch (WorkflowStoreException e) {
            throw mapped(e);
        }
        return get(id).orElseThrow(() -> notFound(id));
    }

    /**
     * Session {@code sessionId} was deleted: its unfinished workflows are cancelled (their turn steps
     * could only fail now). Returns how many.
     */
    public int sessionDeleted(String sessionId) {
        Objects.requireNonNull(sessionId, "sessionId");
        if (store == null) {
            return 0;
        }
        int n = 0;
        try {
            for (WorkflowRecord w : store.active()) {
                if (sessionId.equals(w.sessionId())) {
                    try {
                        engine.cancel(w.id());
                        n++;
                    } catch (ApiException e) {
                        // finished meanwhile: nothing to cancel
                    }
                }
            }
        } catch (WorkflowStoreException e) {
            throw mapped(e);
        }
        return n;
    }

    /** For tests: the engine to tick. */
    WorkflowEngine engine() {
        return engine;
    }

    /** Stops the engine, then closes the store. Steps at the runner run again at the next start. */
    @Override
    public void close() {
        if (engine != null) {
            engine.close();
        }
        if (store != null) {
            store.close();
        }
    }

    private static void requireStore(String failure) {
        if (failure != null) {
            throw new ApiException(new ApiError(503, ApiError.UNAVAILABLE, "workflows_unavailable", null,
                    "Workflows are unavailable on this node: " + failure));
        }
    }

    private static ApiException notFound(String id) {
        return new ApiException(new ApiError(404, ApiError.INVALID_REQUEST, "workflow_not_found", null,
                "No workflow found with id '" + id + "'."));
    }

    private static ApiException mapped(WorkflowStoreException e) {
        return switch (e.kind()) {
            case NOT_FOUND -> new ApiException(new ApiError(404, ApiError.INVALID_REQUEST, "workflow_not_found", null,
                    e.getMessage()));
            case CONFLICT -> new ApiException(ApiError.conflict(e.getMessage()));
            case UNAVAILABLE -> {
                LOG.log(System.Logger.Level.WARNING, "workflow store: " + e.getMessage());
                yield new ApiException(new ApiError(503, ApiError.UNAVAILABLE, "workflows_unavailable", null,
                        "The workflow store is unavailable; try again later."));
            }
        };
    }

    /** {@code wf_} + 24 random letters and digits (~143 bits). */
    static String newId() {
        char[] c = new char[24];
        for (int i = 0; i < c.length; i++) {
            c[i] = ALPHANUMERIC[RANDOM.nextInt(ALPHANUMERIC.length)];
        }
        return ID_PREFIX + new String(c);
    }
}
