package io.edgenode.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.server.gateway.Budget;
import io.edgenode.server.gateway.BudgetPeriod;
import io.edgenode.server.gateway.EndpointGroup;
import io.edgenode.server.gateway.GatewayDatabase;
import io.edgenode.server.gateway.KeyLimits;
import io.edgenode.server.gateway.KeyScopes;
import io.edgenode.server.gateway.KeyStore;
import io.edgenode.server.gateway.RateLimitHeaders;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway on a real node (real HTTP, real SQLite, real llama.cpp): keys, scopes, rate-limit
 * headers and refunds, budgets under concurrency, the ledger across a restart, the response cache's
 * single flight and replay, tenant isolation of the prefix cache, guardrails.
 */
class GatewayHttpTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = TestNode.tinyModel("tiny", 4, 4096, 64);
    static final KeyScopes INFERENCE = KeyScopes.DEFAULT;
    static final KeyScopes ADMIN = new KeyScopes(Set.of(), EnumSet.allOf(EndpointGroup.class), 0, null);

    @TempDir
    Path dir;

    static String chat(boolean stream, int maxTokens, String user, String extra) {
        return "{\"model\":\"tiny\",\"stream\":" + stream + ",\"max_tokens\":" + maxTokens + ",\"temperature\":0"
                + extra + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + user + "\"}]}";
    }

    static String bearer(String secret) {
        return "Bearer " + secret;
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static String header(HttpResponse<String> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    /** The text of an SSE chat stream, and its usage chunk. */
    static String streamedText(String body) throws Exception {
        StringBuilder b = new StringBuilder();
        for (String e : HttpNodeTest.events(body)) {
            if (e.equals("[DONE]")) {
                continue;
            }
            JsonNode c = JSON.readTree(e);
            JsonNode delta = c.at("/choices/0/delta/content");
            if (!delta.isMissingNode() && !delta.isNull()) {
                b.append(delta.asText());
            }
        }
        return b.toString();
    }

    static JsonNode streamedUsage(String body) throws Exception {
        for (String e : HttpNodeTest.events(body)) {
            if (!e.equals("[DONE]") && JSON.readTree(e).has("usage") && !JSON.readTree(e).get("usage").isNull()) {
                return JSON.readTree(e).get("usage");
            }
        }
        throw new AssertionError("no usage chunk in " + body);
    }

    @Test
    void shouldAuthenticateOnceKeysExistAndEchoRequestIds() throws Exception {
        try (TestNode node = TestNode.withGateway(MODEL, "", dir, null)) {
            HttpResponse<String> keyless = node.post("/v1/chat/completions", chat(false, 4, "hi", ""),
                    "x-request-id", "trace-42");
            assertEquals(200, keyless.statusCode(), keyless.body());
            assertEquals("trace-42", header(keyless, "x-request-id"));
            assertEquals("tiny", header(keyless, "x-edgenode-model"));
            assertNotNull(header(keyless, "x-edgenode-node"));
            assertTrue(header(node.post("/v1/chat/completions", chat(false, 2, "hi", ""), "x-request-id",
                    "bad id with spaces"), "x-request-id").startsWith("req_"), "an unusable id is replaced");

            var admin = node.gateway.keys().create("ops", ADMIN, KeyLimits.NONE);
            var user = node.gateway.keys().create("app", INFERENCE, KeyLimits.NONE);

            HttpResponse<String> none = node.post("/v1/chat/completions", chat(false, 4, "hi", ""));
            assertEquals(401, none.statusCode());
            assertEquals("Bearer", header(none, "www-authenticate"));
            assertEquals("{\"error\":{\"message\":\"You didn't provide an API key. Send it in an Authorization"
                    + " header: `Authorization: Bearer YOUR_KEY`.\",\"type\":\"invalid_request_error\",\"param\":null,"
                    + "\"code\":null}}", none.body());
            HttpResponse<String> wrong = node.post("/v1/chat/completions", chat(false, 4, "hi", ""),
                    "Authorization", bearer(user.secret().substring(0, user.secret().length() - 2) + "AA"));
            assertEquals(401, wrong.statusCode());
            assertEquals("invalid_api_key", json(wrong).at("/error/code").asText());
            assertEquals(200, node.get("/health").statusCode(), "probes need no key");
            assertEquals(200, node.get("/ready").statusCode());

            HttpResponse<String> metrics = node.get("/metrics", "Authorization", bearer(user.secret()));
            assertEquals(403, metrics.statusCode());
            assertEquals("{\"error\":{\"message\":\"This endpoint needs an admin key.\",\"type\":\"permission_error\","
                    + "\"param\":null,\"code\":\"insufficient_permissions\"}}", metrics.body());
            assertEquals(200, node.get("/metrics", "Authorization", bearer(admin.secret())).statusCode());
            HttpResponse<String> ok = node.post("/v1/chat/completions", chat(false, 4, "hi", ""),
                    "Authorization", bearer(user.secret()));
            assertEquals(200, ok.statusCode(), ok.body());

            var narrow = node.gateway.keys().create("narrow", new KeyScopes(Set.of("other-model"),
                    EnumSet.of(EndpointGroup.INFERENCE), 0, null), KeyLimits.NONE);
            HttpResponse<String> model = node.post("/v1/chat/completions", chat(false, 4, "hi", ""),
                    "Authorization", bearer(narrow.secret()));
            assertEquals(403, model.statusCode());
            assertEquals("This API key may not use the model `tiny`.", json(model).at("/error/message").asText());

            // Revoked by another process (edgenode keys revoke): refused on the very next request.
            try (KeyStore cli = new KeyStore(GatewayDatabase.open(dir))) {
                assertTrue(cli.revoke(user.key().id()));
            }
            HttpResponse<String> revoked = node.post("/v1/chat/completions", chat(false, 4, "hi", ""),
                    "Authorization", bearer(user.secret()));
            assertEquals(401, revoked.statusCode());
            assertEquals("This API key has been revoked.", json(revoked).at("/error/message").asText());

            node.gateway.flushLedger();
            HttpResponse<String> usage = node.get("/admin/usage?group_by=key", "Authorization", bearer(admin.secret()));
            assertEquals(200, usage.statusCode(), usage.body());
            assertTrue(usage.body().contains("\"key\":\"" + user.key().id() + "\""), usage.body());
        }
    }

    @Test
    void shouldSendExactRateLimitHeadersAndRefundUnusedTokens() throws Exception {
        try (TestNode node = TestNode.withGateway(MODEL, "", dir, null)) {
            var key = node.gateway.keys().create("limited", INFERENCE, new KeyLimits(3, 3000, false,
                    KeyLimits.NO_BUDGET));
            String auth = bearer(key.secret());
            HttpResponse<String> first = node.post("/v1/chat/completions", chat(false, 8, "one", ""),
                    "Authorization", auth);
            assertEquals(200, first.statusCode(), first.body());
            int prompt1 = json(first).at("/usage/prompt_tokens").asInt();
            int used1 = json(first).at("/usage/total_tokens").asInt();
            assertEquals("3", header(first, "x-ratelimit-limit-requests"));
            assertEquals("2", header(first, "x-ratelimit-remaining-requests"));
            assertEquals("20s", header(first, "x-ratelimit-reset-requests"));
            assertEquals("3000", header(first, "x-ratelimit-limit-tokens"));
            long remaining1 = 3000 - (prompt1 + 8);
            assertEquals(Long.toString(remaining1), header(first, "x-ratelimit-remaining-tokens"),
                    "the exact prompt plus max_tokens is reserved");
            assertEquals(RateLimitHeaders.duration((3000 - remaining1) * 60_000_000_000L / 3000),
                    header(first, "x-ratelimit-reset-tokens"));

            // A stream that stops early: its unused reservation comes back, and its real tokens count.
            HttpResponse<String> streamed = node.post("/v1/chat/completions", chat(true, 400, "two",
                    ",\"stream_options\":{\"include_usage\":true},\"stop\":[\"e\",\"a\",\"o\",\" \"]"),
                    "Authorization", auth);
            assertEquals(200, streamed.statusCode());
            JsonNode u2 = streamedUsage(streamed.body());
            assertEquals(Long.toString(3000 - used1 - (u2.get("prompt_tokens").asInt() + 400)), header(streamed,
                    "x-ratelimit-remaining-tokens"), "the SSE head carries the headers too");
            int used2 = u2.get("total_tokens").asInt();
            assertTrue(u2.get("completion_tokens").asInt() < 400, "the stream ended before its cap: " + u2);

            HttpResponse<String> third = node.post("/v1/chat/completions", chat(false, 8, "one", ""),
                    "Authorization", auth);
            assertEquals(200, third.statusCode());
            assertEquals(Long.toString(3000 - used1 - used2 - (prompt1 + 8)), header(third,
                    "x-ratelimit-remaining-tokens"), "the earlier requests count only the tokens they used");
            assertEquals("0", header(third, "x-ratelimit-remaining-requests"));

            HttpResponse<String> fourth = node.post("/v1/chat/completions", chat(false, 8, "one", ""),
                    "Authorization", auth);
            assertEquals(429, fourth.statusCode());
            assertEquals("rate_limit_exceeded", json(fourth).at("/error/type").asText());
            assertEquals("20", header(fourth, "retry-after"));
            assertEquals("0", header(fourth, "x-ratelimit-remaining-requests"));

            var small = node.gateway.keys().create("small", INFERENCE, new KeyLimits(0, 50, false,
                    KeyLimits.NO_BUDGET));
            HttpResponse<String> large = node.post("/v1/chat/completions", chat(false, 100, "x", ""),
                    "Authorization", bearer(small.secret()));
            assertEquals(429, large.statusCode());
            assertTrue(json(large).at("/error/message").asText().startsWith("Request too large"), large.body());
        }
    }

    @Test
    void shouldKeepABudgetUnderTwentyConcurrentRequestsAndAcrossARestart() throws Exception {
        // 0.1 dollars per million tokens: 100 nano-dollars a token. Compute is free, so a request's
        // maximum cost is exact: (prompt + max_tokens) * 100.
        String gateway = "  prices: {tiny: {input: 0.1, output: 0.1}}\n";
        String keyId;
        String secret;
        long budget = 20_000;
        long spent;
        try (TestNode node = TestNode.withGateway(MODEL, gateway, dir, null)) {
            var key = node.gateway.keys().create("budgeted", INFERENCE, new KeyLimits(0, 0, false,
                    new Budget(budget, 0, BudgetPeriod.MONTH)));
            keyId = key.key().id();
            secret = key.secret();
            ExecutorService pool = Executors.newFixedThreadPool(20);
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                calls.add(pool.submit((Callable<HttpResponse<String>>) () -> node.post("/v1/chat/completions",
                        chat(false, 16, "request " + n, ",\"ignore_eos\":true"), "Authorization", bearer(secret))));
            }
            int served = 0;
            int refused = 0;
            for (Future<HttpResponse<String>> f : calls) {
                HttpResponse<String> r = f.get();
                if (r.statusCode() == 200) {
                    served++;
                } else {
                    assertEquals(429, r.statusCode(), r.body());
                    assertEquals("insufficient_quota", json(r).at("/error/type").asText());
                    assertFalse(json(r).at("/error/message").asText().matches(".*\\d.*"),
                            "a refusal reveals no figures: " + r.body());
                    refused++;
                }
            }
            pool.shutdown();
            assertTrue(served > 0 && refused > 0, served + " served, " + refused + " refused");
            node.gateway.flushLedger();
            spent = node.gateway.usage().spentNanoUsd(keyId, null, java.time.Instant.EPOCH);
            assertTrue(spent <= budget, "maximum costs are exact here, so the budget is never passed: " + spent);
            assertTrue(spent > budget - (20 + 16) * 100 * 2, "the budget was used up to about one request: " + spent);
        }
        // A restart keeps the key, what it spent and the ledger.
        try (TestNode node = TestNode.withGateway(MODEL, gateway, dir, null)) {
            assertEquals(spent, node.gateway.usage().spentNanoUsd(keyId, null, java.time.Instant.EPOCH));
            // 150 completion tokens cost 15,000 at most: more than is left once the spending above survived.
            HttpResponse<String> after = node.post("/v1/chat/completions", chat(false, 150, "after", ""),
                    "Authorization", bearer(secret));
            assertEquals(429, after.statusCode(), "the spent budget survived the restart: " + after.body());
            assertEquals("insufficient_quota", json(after).at("/error/type").asText());
        }
    }

    @Test
    void shouldServeIdenticalConcurrentRequestsWithOneGenerationAndReplayAsTheLiveStream() throws Exception {
        try (TestNode node = TestNode.withGateway(MODEL, "  cache: {enabled: true, ttl: 5m}\n", dir, null)) {
            String body = chat(true, 24, "cache me", ",\"ignore_eos\":true,\"stream_options\":{\"include_usage\":true}");
            var spec = node.host.spec("tiny").orElseThrow();
            io.edgenode.server.testing.Eventually.until(java.time.Duration.ofSeconds(30), "the model file's digest",
                    () -> node.gateway.modelDigest(spec).isPresent());
            long before = node.engineMetrics("tiny").generatedTokens();
            ExecutorService pool = Executors.newFixedThreadPool(6);
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                calls.add(pool.submit((Callable<HttpResponse<String>>) () -> node.post("/v1/chat/completions", body)));
            }
            List<String> texts = new ArrayList<>();
            int misses = 0;
            for (Future<HttpResponse<String>> f : calls) {
                HttpResponse<String> r = f.get();
                assertEquals(200, r.statusCode());
                misses += "MISS".equals(header(r, "x-edgenode-cache-status")) ? 1 : 0;
                texts.add(streamedText(r.body()));
                assertEquals(24, streamedUsage(r.body()).get("completion_tokens").asInt());
            }
            pool.shutdown();
            assertEquals(1, misses, "one request generated; the others followed it");
            assertEquals(24, node.engineMetrics("tiny").generatedTokens() - before, "one generation in all");
            assertEquals(1, texts.stream().distinct().count(), "every client got the same text");

            HttpResponse<String> replay = node.post("/v1/chat/completions", body);
            assertEquals("HIT", header(replay, "x-edgenode-cache-status"));
            assertEquals(texts.getFirst(), streamedText(replay.body()));
            assertEquals("[DONE]", HttpNodeTest.events(replay.body()).getLast());
            HttpResponse<String> whole = node.post("/v1/chat/completions", body.replace("\"stream\":true", "\"stream\":false")
                    .replace(",\"stream_options\":{\"include_usage\":true}", ""));
            assertEquals("HIT", header(whole, "x-edgenode-cache-status"), "stream is not part of the key");
            assertEquals(texts.getFirst(), json(whole).at("/choices/0/message/content").asText());
            HttpResponse<String> skipped = node.post("/v1/chat/completions", body, "x-edgenode-cache", "skip");
            assertEquals("BYPASS", header(skipped, "x-edgenode-cache-status"));
            HttpResponse<String> random = node.post("/v1/chat/completions", body.replace("\"temperature\":0",
                    "\"temperature\":0.9"));
            assertEquals("BYPASS", header(random, "x-edgenode-cache-status"), "a sampled reply is not cached");
            assertEquals(24 * 3, node.engineMetrics("tiny").generatedTokens() - before);
        }
    }

    @Test
    void shouldNeverGiveATenantCachedTokensFromAnotherTenantsPrompt() throws Exception {
        String system = "You are the assistant of a small shop that sells tea, coffee and cakes to people who"
                + " come in the morning and stay for a while to read and talk with the owner.";
        String gateway = "  shared_prefixes: [\"" + system + "\"]\n";
        try (TestNode node = TestNode.withGateway(MODEL, gateway, dir, null)) {
            var a = node.gateway.keys().create("a", INFERENCE, KeyLimits.NONE);
            var b = node.gateway.keys().create("b", INFERENCE, KeyLimits.NONE);
            String secret = "My order number is 99172 and my card ends in 4411, please check my order history"
                    + " and tell me when the cakes arrive at my home in the north of the town.";
            String body = chat(false, 4, secret, "");
            JsonNode first = json(node.post("/v1/chat/completions", body, "Authorization", bearer(a.secret())));
            assertEquals(0, first.at("/usage/prompt_tokens_details/cached_tokens").asInt());
            JsonNode again = json(node.post("/v1/chat/completions", body, "Authorization", bearer(a.secret())));
            assertTrue(again.at("/usage/prompt_tokens_details/cached_tokens").asInt() > 0, "a tenant reuses its own");
            JsonNode other = json(node.post("/v1/chat/completions", body, "Authorization", bearer(b.secret())));
            // At most the BOS token, which the operator-shared prefix begins with like every prompt.
            assertTrue(other.at("/usage/prompt_tokens_details/cached_tokens").asInt() <= 1,
                    "another tenant's identical prompt is prefilled, not reused: " + other.get("usage"));

            String withSystem = "{\"model\":\"tiny\",\"max_tokens\":4,\"temperature\":0,\"messages\":[{\"role\":"
                    + "\"system\",\"content\":\"" + system + "\"},{\"role\":\"user\",\"content\":\"";
            json(node.post("/v1/chat/completions", withSystem + "first question\"}]}", "Authorization",
                    bearer(a.secret())));
            JsonNode shared = json(node.post("/v1/chat/completions", withSystem + "second question\"}]}",
                    "Authorization", bearer(b.secret())));
            int cached = shared.at("/usage/prompt_tokens_details/cached_tokens").asInt();
            int prompt = shared.at("/usage/prompt_tokens").asInt();
            assertTrue(cached > 10 && cached < prompt - 2, "the operator-shared system prompt crosses tenants,"
                    + " the question does not: " + cached + " of " + prompt);
        }
    }

    @Test
    void shouldBlockPromptsAndRepliesThatMatchTheDenyList() throws Exception {
        String gateway = "  guardrails: {deny: [\"[A-Za-z]\"], max_prompt_chars: 200}\n";
        try (TestNode node = TestNode.withGateway(MODEL, gateway, dir, null)) {
            HttpResponse<String> prompt = node.post("/v1/chat/completions", chat(false, 8, "hello", ""));
            assertEquals(400, prompt.statusCode());
            assertEquals("prompt_blocked", json(prompt).at("/error/code").asText());
            HttpResponse<String> reply = node.post("/v1/chat/completions", chat(false, 64, "1 2 3", ",\"ignore_eos\":true"));
            assertEquals(400, reply.statusCode(), reply.body());
            assertEquals("response_blocked", json(reply).at("/error/code").asText());
            HttpResponse<String> stream = node.post("/v1/chat/completions", chat(true, 64, "1 2 3", ",\"ignore_eos\":true"));
            assertEquals(200, stream.statusCode());
            assertTrue(stream.body().contains("\"code\":\"response_blocked\""), stream.body());
            HttpResponse<String> big = node.post("/v1/chat/completions", chat(false, 8, "1".repeat(300), ""));
            assertEquals("prompt_blocked", json(big).at("/error/code").asText());
        }
    }

    @Test
    void shouldKeepAKeyToItsSessionPrefix() throws Exception {
        var settings = io.edgenode.server.session.SessionSettings.defaults(dir.resolve("sessions"));
        try (TestNode node = TestNode.withGateway(MODEL, "", dir, settings)) {
            var key = node.gateway.keys().create("team-a", new KeyScopes(Set.of(), EnumSet.of(EndpointGroup.INFERENCE,
                    EndpointGroup.SESSIONS), 0, "team-a-"), KeyLimits.NONE);
            String auth = bearer(key.secret());
            HttpResponse<String> mine = node.post("/v1/sessions", "{\"id\":\"team-a-1\",\"model\":\"tiny\"}",
                    "Authorization", auth);
            assertTrue(mine.statusCode() / 100 == 2, mine.body());
            assertEquals(403, node.post("/v1/sessions", "{\"id\":\"team-b-1\",\"model\":\"tiny\"}",
                    "Authorization", auth).statusCode());
            assertEquals(403, node.get("/v1/sessions/team-b-1", "Authorization", auth).statusCode());
            assertEquals(403, node.get("/v1/sessions", "Authorization", auth).statusCode(), "no listing of others' ids");
            HttpResponse<String> turn = node.post("/v1/chat/completions", chat(false, 4, "hi",
                    ",\"session_id\":\"team-b-1\""), "Authorization", auth);
            assertEquals(403, turn.statusCode(), turn.body());
            HttpResponse<String> ok = node.post("/v1/chat/completions", chat(false, 4, "hi",
                    ",\"session_id\":\"team-a-1\""), "Authorization", auth);
            assertEquals(200, ok.statusCode(), ok.body());
        }
    }

    @Test
    void shouldManageKeysThroughTheAdminApi() throws Exception {
        try (TestNode node = TestNode.withGateway(MODEL, "", dir, null)) {
            var admin = node.gateway.keys().create("ops", ADMIN, KeyLimits.NONE);
            String auth = bearer(admin.secret());
            HttpResponse<String> created = node.post("/admin/keys", "{\"name\":\"app\",\"requests_per_minute\":5}",
                    "Authorization", auth);
            assertEquals(201, created.statusCode(), created.body());
            JsonNode key = json(created);
            String secret = key.get("secret").asText();
            assertEquals(200, node.post("/v1/chat/completions", chat(false, 2, "hi", ""), "Authorization",
                    bearer(secret)).statusCode());
            HttpResponse<String> listed = node.get("/admin/keys", "Authorization", auth);
            assertTrue(listed.body().contains(key.get("id").asText()) && !listed.body().contains(secret), listed.body());
            assertEquals(403, node.get("/admin/keys", "Authorization", bearer(secret)).statusCode(), "not an admin key");
            assertEquals(400, node.post("/admin/keys", "{\"name\":\"x\",\"groups\":[\"nope\"]}", "Authorization",
                    auth).statusCode());
            assertEquals(200, node.delete("/admin/keys/" + key.get("id").asText(), "Authorization", auth).statusCode());
            assertEquals(401, node.post("/v1/chat/completions", chat(false, 2, "hi", ""), "Authorization",
                    bearer(secret)).statusCode(), "revoked through the API: refused on the next request");
        }
    }
}
