package io.edgenode.server.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Reads a workflow definition, field by field as {@code docs/ARCHITECTURE.md} ("Workflows") lists them. One instance
 * per parse; confined to the caller's thread. Unknown fields are refused (a misspelt {@code timeout_second} must not
 * silently mean "the default"), except in a {@code turn}, whose other fields are chat-completion fields checked by
 * the turn's own pipeline when it runs.
 */
final class DefinitionParser {
    static final Pattern STEP_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    static final Pattern EVENT_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    static final long MAX_SECONDS = 10L * 366 * 24 * 3600;
    private static final Set<String> COMMON = Set.of("id", "type", "retry");
    private static final Set<String> HTTP_FIELDS = Set.of("id", "type", "retry", "method", "url", "body", "headers");
    private static final Set<String> METHODS = Set.of("GET", "POST", "PUT", "PATCH", "DELETE");
    private static final Set<String> RETRY_FIELDS = Set.of("max_attempts", "backoff_seconds", "factor");

    private final String root;
    private final Predicate<URI> httpAllowed;

    DefinitionParser(String root, Predicate<URI> httpAllowed) {
        this.root = root == null || root.isEmpty() ? "" : root + ".";
        this.httpAllowed = httpAllowed;
    }

    WorkflowDefinition parse(JsonNode def) {
        if (def == null || !def.isObject()) {
            throw bad(root.isEmpty() ? null : root.substring(0, root.length() - 1), "invalid_type",
                    "The workflow definition must be an object with `steps`.");
        }
        refuseUnknown(def, Set.of("steps"), root);
        JsonNode steps = def.get("steps");
        if (steps == null || !steps.isArray() || steps.isEmpty()) {
            throw bad(root + "steps", "empty_array", "`steps` must be a non-empty array.");
        }
        if (steps.size() > WorkflowDefinition.MAX_STEPS) {
            throw bad(root + "steps", "invalid_value", "At most " + WorkflowDefinition.MAX_STEPS + " steps.");
        }
        List<Step> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < steps.size(); i++) {
            String at = root + "steps[" + i + "]";
            JsonNode s = steps.get(i);
            if (!s.isObject()) {
                throw bad(at, "invalid_type", "Each step must be an object.");
            }
            String id = text(s, "id", at + ".id", true);
            if (!STEP_ID.matcher(id).matches()) {
                throw bad(at + ".id", "invalid_value", "A step id is 1 to 64 letters, digits, '_' or '-'.");
            }
            if (seen.putIfAbsent(id, i) != null) {
                throw bad(at + ".id", "duplicate_id", "Step id '" + id + "' is used twice.");
            }
            out.add(step((ObjectNode) s, id, at));
        }
        // Branch targets and reads are checked once every id is known.
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i) instanceof Step.Branch b) {
                checkBranch(b, i, seen, root + "steps[" + i + "]");
            }
        }
        return new WorkflowDefinition(out);
    }

    private Step step(ObjectNode s, String id, String at) {
        String type = text(s, "type", at + ".type", true);
        return switch (type) {
            case "turn" -> turn(s, id, at);
            case "http" -> http(s, id, at);
            case "sleep" -> {
                refuseUnknown(s, Set.of("id", "type", "seconds"), at + ".");
                yield new Step.Sleep(id, integer(s, "seconds", at, 1, MAX_SECONDS, -1));
            }
            case "wait_until" -> {
                refuseUnknown(s, Set.of("id", "type", "at"), at + ".");
                String v = text(s, "at", at + ".at", true);
                try {
                    yield new Step.WaitUntil(id, OffsetDateTime.parse(v).toInstant().toEpochMilli());
                } catch (DateTimeParseException e) {
                    throw bad(at + ".at", "invalid_value", "`at` must be an RFC 3339 time with an offset, such as"
                            + " \"2027-01-01T08:00:00Z\".");
                }
            }
            case "wait_event" -> waitEvent(s, id, at);
            case "branch" -> branch(s, id, at);
            default -> throw bad(at + ".type", "invalid_value", "Unknown step type '" + type + "': expected turn, http,"
                    + " sleep, wait_until, wait_event or branch.");
        };
    }

    private Step.Turn turn(ObjectNode s, String id, String at) {
        JsonNode messages = s.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw bad(at + ".messages", "empty_array", "`messages` must be a non-empty array.");
        }
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).isObject()) {
                throw bad(at + ".messages[" + i + "]", "invalid_type", "Each message must be an object.");
            }
        }
        if (s.path("stream").asBoolean(false)) {
            throw bad(at + ".stream", "invalid_value", "A workflow turn is not streamed; remove `stream`.");
        }
        String session = null;
        if (s.has("session_id")) {
            session = text(s, "session_id", at + ".session_id", true);
        }
        ObjectNode chat = s.deepCopy();
        chat.remove(List.of("id", "type", "retry", "session_id"));
        return new Step.Turn(id, retry(s, at), session, chat);
    }

    private Step.Http http(ObjectNode s, String id, String at) {
        refuseUnknown(s, HTTP_FIELDS, at + ".");
        String method = s.has("method") ? text(s, "method", at + ".method", true).toUpperCase(Locale.ROOT) : "POST";
        if (!METHODS.contains(method)) {
            throw bad(at + ".method", "invalid_value", "`method` must be GET, POST, PUT, PATCH or DELETE.");
        }
        String url = text(s, "url", at + ".url", true);
        // A placeholder is checked as if it were a plain word: a templated path or query is fine, a templated host
        // is refused here (it would not be on the allow-list), and the engine checks the rendered URL again.
        URI uri = absoluteHttp(Templates.replaceAll(url, "x"), at + ".url");
        if (!httpAllowed.test(uri)) {
            throw bad(at + ".url", "url_not_allowed", "Calls to " + uri.getHost() + " are not allowed on this node.");
        }
        ObjectNode headers = null;
        if (s.has("headers")) {
            JsonNode h = s.get("headers");
            if (!h.isObject()) {
                throw bad(at + ".headers", "invalid_type", "`headers` must be an object of strings.");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw bad(at + ".headers." + e.getKey(), "invalid_type", "Header values must be strings.");
                }
            }
            headers = h.deepCopy();
        }
        JsonNode body = s.has("body") ? s.get("body").deepCopy() : null;
        return new Step.Http(id, retry(s, at), method, url, body, headers);
    }

    private Step.WaitEvent waitEvent(ObjectNode s, String id, String at) {
        refuseUnknown(s, Set.of("id", "type", "event", "timeout_seconds", "on_timeout"), at + ".");
        String event = text(s, "event", at + ".event", true);
        if (!EVENT_NAME.matcher(event).matches()) {
            throw bad(at + ".event", "invalid_value", "An event name is 1 to 64 letters, digits, '_', '.' or '-'.");
        }
        long timeout = integer(s, "timeout_seconds", at, 1, MAX_SECONDS, -1);
        boolean cont = false;
        if (s.has("on_timeout")) {
            String v = text(s, "on_timeout", at + ".on_timeout", true);
            if (!v.equals("fail") && !v.equals("continue")) {
                throw bad(at + ".on_timeout", "invalid_value", "`on_timeout` must be \"fail\" or \"continue\".");
            }
            cont = v.equals("continue");
        }
        return new Step.WaitEvent(id, event, timeout, cont);
    }

    private Step.Branch branch(ObjectNode s, String id, String at) {
        refuseUnknown(s, Set.of("id", "type", "if", "then", "else"), at + ".");
        JsonNode cond = s.get("if");
        if (cond == null || !cond.isObject()) {
            throw bad(at + ".if", "invalid_type", "`if` must be an object with `path` and one of `equals`,"
                    + " `not_equals` or `exists`.");
        }
        refuseUnknown(cond, Set.of("path", "equals", "not_equals", "exists"), at + ".if.");
        String path = text(cond, "path", at + ".if.path", true);
        List<String> tests = new ArrayList<>();
        for (String t : List.of("equals", "not_equals", "exists")) {
            if (cond.has(t)) {
                tests.add(t);
            }
        }
        if (tests.size() != 1) {
            throw bad(at + ".if", "invalid_value", "`if` needs exactly one of `equals`, `not_equals` or `exists`.");
        }
        BranchCondition c = switch (tests.getFirst()) {
            case "equals" -> new BranchCondition(path, BranchCondition.Op.EQUALS, cond.get("equals").deepCopy());
            case "not_equals" -> new BranchCondition(path, BranchCondition.Op.NOT_EQUALS,
                    cond.get("not_equals").deepCopy());
            default -> {
                JsonNode e = cond.get("exists");
                if (!e.isBoolean()) {
                    throw bad(at + ".if.exists", "invalid_type", "`exists` must be true or false.");
                }
                yield new BranchCondition(path, e.asBoolean() ? BranchCondition.Op.EXISTS
                        : BranchCondition.Op.NOT_EXISTS, null);
            }
        };
        String then = text(s, "then", at + ".then", true);
        String otherwise = s.has("else") ? text(s, "else", at + ".else", true) : null;
        return new Step.Branch(id, c, then, otherwise);
    }

    private void checkBranch(Step.Branch b, int index, Map<String, Integer> ids, String at) {
        String path = b.condition().path();
        String[] parts = path.split("\\.", -1);
        boolean ok = switch (parts[0]) {
            case "params" -> true;
            case "steps" -> parts.length >= 2;
            default -> false;
        };
        if (!ok || List.of(parts).contains("")) {
            throw bad(at + ".if.path", "invalid_value", "`path` must be \"steps.<step id>.<field>...\" or"
                    + " \"params.<field>...\".");
        }
        if (parts[0].equals("steps")) {
            Integer read = ids.get(parts[1]);
            if (read == null) {
                throw bad(at + ".if.path", "unknown_step", "`path` reads step '" + parts[1] + "', which does not"
                        + " exist.");
            }
            if (read >= index) {
                throw bad(at + ".if.path", "invalid_value", "`path` reads step '" + parts[1] + "', which does not"
                        + " run before this branch.");
            }
        }
        if (!ids.containsKey(b.thenStep())) {
            throw bad(at + ".then", "unknown_step", "`then` names step '" + b.thenStep() + "', which does not exist.");
        }
        if (b.elseStep() != null && !ids.containsKey(b.elseStep())) {
            throw bad(at + ".else", "unknown_step", "`else` names step '" + b.elseStep() + "', which does not exist.");
        }
    }

    private RetryPolicy retry(ObjectNode s, String at) {
        JsonNode r = s.get("retry");
        if (r == null) {
            return RetryPolicy.NONE;
        }
        if (!r.isObject()) {
            throw bad(at + ".retry", "invalid_type", "`retry` must be an object.");
        }
        refuseUnknown(r, RETRY_FIELDS, at + ".retry.");
        int max = (int) integer(r, "max_attempts", at + ".retry", 1, RetryPolicy.MAX_ATTEMPTS, 1);
        double backoff = number(r, "backoff_seconds", at + ".retry", 1);
        if (!(backoff > 0) || backoff > MAX_SECONDS) {
            throw bad(at + ".retry.backoff_seconds", "invalid_value", "`backoff_seconds` must be more than 0.");
        }
        double factor = number(r, "factor", at + ".retry", 2);
        if (!(factor >= 1) || factor > 100) {
            throw bad(at + ".retry.factor", "invalid_value", "`factor` must be between 1 and 100.");
        }
        return new RetryPolicy(max, backoff, factor);
    }

    // ---- field readers ----

    private static void refuseUnknown(JsonNode o, Set<String> known, String prefix) {
        for (Iterator<String> names = o.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw bad(prefix + name, "unknown_parameter", "Unrecognized argument: " + name + ".");
            }
        }
    }

    private static String text(JsonNode o, String field, String param, boolean required) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw bad(param, "missing_required_parameter", "Missing required parameter: '" + field + "'.");
            }
            return null;
        }
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw bad(param, "invalid_type", "`" + field + "` must be a non-empty string.");
        }
        return v.asText();
    }

    /** An integer in [min, max]; {@code dflt} when absent, or required when {@code dflt} is -1. */
    private static long integer(JsonNode o, String field, String at, long min, long max, long dflt) {
        JsonNode v = o.get(field);
        String param = at + "." + field;
        if (v == null) {
            if (dflt == -1) {
                throw bad(param, "missing_required_parameter", "Missing required parameter: '" + field + "'.");
            }
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw bad(param, "invalid_value", "`" + field + "` must be an integer from " + min + " to " + max + ".");
        }
        return v.asLong();
    }

    private static double number(JsonNode o, String field, String at, double dflt) {
        JsonNode v = o.get(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw bad(at + "." + field, "invalid_type", "`" + field + "` must be a number.");
        }
        return v.asDouble();
    }

    static URI absoluteHttp(String s, String param) {
        String why = "`url` must be an absolute http(s) URL.";
        try {
            URI url = new URI(s);
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!url.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
                throw bad(param, "invalid_value", why);
            }
            return url;
        } catch (URISyntaxException e) {
            throw bad(param, "invalid_value", why);
        }
    }

    static ApiException bad(String param, String code, String message) {
        return new ApiException(ApiError.invalidRequest(param, code, message));
    }
}
