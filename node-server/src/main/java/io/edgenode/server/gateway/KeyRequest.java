package io.edgenode.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a new key should be: the body of {@code POST /admin/keys} or the flags of
 * {@code edgenode keys create}, read by one set of rules. Immutable.
 */
public record KeyRequest(String name, KeyScopes scopes, KeyLimits limits) {
    /** A field that is missing, of the wrong type or out of range; {@code param} is its JSON name. */
    public static final class InvalidField extends IllegalArgumentException {
        private final String param;

        public InvalidField(String param, String message) {
            super(message);
            this.param = param;
        }

        public String param() {
            return param;
        }
    }

    private static final Set<String> FIELDS = Set.of("name", "models", "groups", "admin", "max_concurrent_streams",
            "session_prefix", "requests_per_minute", "tokens_per_minute", "per_user", "budget");
    private static final Set<String> BUDGET_FIELDS = Set.of("limit_usd", "per_user_usd", "period");

    public KeyRequest {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scopes, "scopes");
        Objects.requireNonNull(limits, "limits");
    }

    /**
     * The CLI's flags. {@code groups} null: inference and sessions; {@code admin} adds admin.
     * Amounts in USD; null periods mean total.
     */
    public static KeyRequest fromFlags(String name, Collection<String> models, Collection<String> groups, boolean admin,
            int maxStreams, String sessionPrefix, int rpm, long tpm, boolean perUser, double budgetUsd,
            double budgetUserUsd, String budgetPeriod) {
        Set<EndpointGroup> g = EnumSet.noneOf(EndpointGroup.class);
        if (groups == null || groups.isEmpty()) {
            g.addAll(KeyScopes.DEFAULT.groups());
        } else {
            for (String s : groups) {
                g.add(parse("groups", () -> EndpointGroup.parse(s.strip())));
            }
        }
        if (admin) {
            g.add(EndpointGroup.ADMIN);
        }
        BudgetPeriod period = budgetPeriod == null ? BudgetPeriod.TOTAL
                : parse("budget.period", () -> BudgetPeriod.parse(budgetPeriod));
        return build(name, models == null ? List.of() : models, g, maxStreams, sessionPrefix, rpm, tpm, perUser,
                budgetUsd, budgetUserUsd, period);
    }

    /** The admin API's JSON body; unknown fields are refused (a misspelt limit must not pass silently). */
    public static KeyRequest fromJson(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidField(null, "the body must be a JSON object");
        }
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            if (!FIELDS.contains(e.getKey())) {
                throw new InvalidField(e.getKey(), "unknown field '" + e.getKey() + "'");
            }
        }
        JsonNode nameNode = body.path("name");
        if (!nameNode.isTextual() || nameNode.asText().isBlank()) {
            throw new InvalidField("name", "'name' must be a non-empty string");
        }
        List<String> models = strings(body, "models");
        Set<EndpointGroup> groups = EnumSet.noneOf(EndpointGroup.class);
        if (body.hasNonNull("groups")) {
            for (String s : strings(body, "groups")) {
                groups.add(parse("groups", () -> EndpointGroup.parse(s)));
            }
        } else {
            groups.addAll(KeyScopes.DEFAULT.groups());
        }
        if (bool(body, "admin", false)) {
            groups.add(EndpointGroup.ADMIN);
        }
        JsonNode prefix = body.path("session_prefix");
        if (!prefix.isMissingNode() && !prefix.isNull() && !prefix.isTextual()) {
            throw new InvalidField("session_prefix", "'session_prefix' must be a string or null");
        }
        double limitUsd = 0;
        double perUserUsd = 0;
        BudgetPeriod period = BudgetPeriod.TOTAL;
        JsonNode b = body.path("budget");
        if (!b.isMissingNode() && !b.isNull()) {
            if (!b.isObject()) {
                throw new InvalidField("budget", "'budget' must be an object");
            }
            for (Map.Entry<String, JsonNode> e : b.properties()) {
                if (!BUDGET_FIELDS.contains(e.getKey())) {
                    throw new InvalidField("budget." + e.getKey(), "unknown field 'budget." + e.getKey() + "'");
                }
            }
            limitUsd = number(b, "limit_usd", "budget.limit_usd");
            perUserUsd = number(b, "per_user_usd", "budget.per_user_usd");
            JsonNode p = b.path("period");
            if (!p.isMissingNode() && !p.isNull()) {
                if (!p.isTextual()) {
                    throw new InvalidField("budget.period", "'budget.period' must be one of day, month, total");
                }
                period = parse("budget.period", () -> BudgetPeriod.parse(p.asText()));
            }
        }
        long tpm = integer(body, "tokens_per_minute");
        long rpm = integer(body, "requests_per_minute");
        long streams = integer(body, "max_concurrent_streams");
        if (rpm > Integer.MAX_VALUE) {
            throw new InvalidField("requests_per_minute", "'requests_per_minute' is too large");
        }
        if (streams > Integer.MAX_VALUE) {
            throw new InvalidField("max_concurrent_streams", "'max_concurrent_streams' is too large");
        }
        return build(nameNode.asText(), models, groups, (int) streams, prefix.isTextual() ? prefix.asText() : null,
                (int) rpm, tpm, bool(body, "per_user", false), limitUsd, perUserUsd, period);
    }

    private static KeyRequest build(String name, Collection<String> models, Set<EndpointGroup> groups, int maxStreams,
            String sessionPrefix, int rpm, long tpm, boolean perUser, double budgetUsd, double budgetUserUsd,
            BudgetPeriod period) {
        if (name == null || name.isBlank()) {
            throw new InvalidField("name", "a key needs a non-empty name");
        }
        Set<String> m = new LinkedHashSet<>();
        for (String s : models) {
            if (!s.isBlank()) {
                m.add(s.strip());
            }
        }
        KeyScopes scopes = parse("groups", () -> new KeyScopes(m, groups, maxStreams, sessionPrefix));
        Budget budget = parse("budget", () -> new Budget(Budget.nanoUsd(budgetUsd), Budget.nanoUsd(budgetUserUsd), period));
        KeyLimits limits = parse("limits", () -> new KeyLimits(rpm, tpm, perUser, budget));
        return new KeyRequest(name, scopes, limits);
    }

    private static <T> T parse(String param, java.util.function.Supplier<T> s) {
        try {
            return s.get();
        } catch (InvalidField e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidField(param, e.getMessage());
        }
    }

    private static List<String> strings(JsonNode body, String field) {
        JsonNode n = body.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new InvalidField(field, "'" + field + "' must be an array of strings");
        }
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode e : n) {
            if (!e.isTextual()) {
                throw new InvalidField(field, "'" + field + "' must be an array of strings");
            }
            out.add(e.asText());
        }
        return out;
    }

    private static boolean bool(JsonNode body, String field, boolean dflt) {
        JsonNode n = body.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw new InvalidField(field, "'" + field + "' must be a boolean");
        }
        return n.booleanValue();
    }

    private static long integer(JsonNode body, String field) {
        JsonNode n = body.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return 0;
        }
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new InvalidField(field, "'" + field + "' must be an integer >= 0 (0: no limit)");
        }
        return n.longValue();
    }

    private static double number(JsonNode b, String field, String param) {
        JsonNode n = b.path(field);
        if (n.isMissingNode() || n.isNull()) {
            return 0;
        }
        if (!n.isNumber() || !(n.doubleValue() >= 0) || Double.isInfinite(n.doubleValue())) {
            throw new InvalidField(param, "'" + param + "' must be a number >= 0 (USD; 0: no limit)");
        }
        return n.doubleValue();
    }
}
