package io.edgenode.server.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The JSON of {@code api_keys.scopes_json} and {@code limits_json}, also the shape the admin API
 * shows. Stateless (the ObjectMapper is thread-safe once configured).
 */
final class KeyJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private KeyJson() {}

    static ObjectNode scopesNode(KeyScopes s) {
        ObjectNode n = MAPPER.createObjectNode();
        ArrayNode models = n.putArray("models");
        new TreeSet<>(s.models()).forEach(models::add);
        ArrayNode groups = n.putArray("groups");
        EnumSet.copyOf(s.groups()).forEach(g -> groups.add(g.wireName()));
        n.put("max_concurrent_streams", s.maxConcurrentStreams());
        if (s.sessionPrefix() == null) {
            n.putNull("session_prefix");
        } else {
            n.put("session_prefix", s.sessionPrefix());
        }
        return n;
    }

    static ObjectNode limitsNode(KeyLimits l) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("requests_per_minute", l.requestsPerMinute());
        n.put("tokens_per_minute", l.tokensPerMinute());
        n.put("per_user", l.perUser());
        ObjectNode b = n.putObject("budget");
        b.put("limit_usd", Budget.usd(l.budget().limitNanoUsd()));
        b.put("per_user_usd", Budget.usd(l.budget().perUserNanoUsd()));
        b.put("period", l.budget().period().wireName());
        return n;
    }

    static String scopes(KeyScopes s) {
        return scopesNode(s).toString();
    }

    static String limits(KeyLimits l) {
        return limitsNode(l).toString();
    }

    static KeyScopes readScopes(String json) {
        JsonNode n = tree(json);
        Set<String> models = new LinkedHashSet<>();
        n.path("models").forEach(m -> models.add(m.asText()));
        Set<EndpointGroup> groups = EnumSet.noneOf(EndpointGroup.class);
        n.path("groups").forEach(g -> groups.add(EndpointGroup.parse(g.asText())));
        JsonNode prefix = n.path("session_prefix");
        return new KeyScopes(models, groups, n.path("max_concurrent_streams").asInt(0),
                prefix.isTextual() ? prefix.asText() : null);
    }

    static KeyLimits readLimits(String json) {
        JsonNode n = tree(json);
        JsonNode b = n.path("budget");
        Budget budget = b.isObject()
                ? new Budget(Budget.nanoUsd(b.path("limit_usd").asDouble(0)), Budget.nanoUsd(b.path("per_user_usd").asDouble(0)),
                        BudgetPeriod.parse(b.path("period").asText("total")))
                : KeyLimits.NO_BUDGET;
        return new KeyLimits(n.path("requests_per_minute").asInt(0), n.path("tokens_per_minute").asLong(0),
                n.path("per_user").asBoolean(false), budget);
    }

    private static JsonNode tree(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new GatewayStoreException("malformed key JSON in gateway.db: " + e.getOriginalMessage(), e);
        }
    }
}
