package io.edgenode.server.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkflowDefinitionTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Predicate<URI> ALLOWED = u -> "hooks.example.com".equals(u.getHost());

    @TempDir
    Path dir;

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s.replace('\'', '"'));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static ApiError refusal(String definition) {
        return assertThrows(ApiException.class,
                () -> WorkflowDefinition.parse(json(definition), "definition", ALLOWED)).error();
    }

    static void assertRefused(String definition, String param, String code) {
        ApiError e = refusal(definition);
        assertEquals(400, e.status());
        assertEquals(param, e.param(), e.message());
        assertEquals(code, e.code(), e.message());
    }

    @Test
    void shouldParseEveryStepType() {
        WorkflowDefinition d = WorkflowDefinition.parse(json("""
                {'steps':[
                  {'id':'ask','type':'turn','messages':[{'role':'user','content':'hi {{params.who}}'}],
                   'response_format':{'type':'json_object'},'retry':{'max_attempts':3,'backoff_seconds':2,'factor':3}},
                  {'id':'check','type':'branch','if':{'path':'steps.ask.ok','equals':true},'then':'call','else':'nap'},
                  {'id':'call','type':'http','url':'https://hooks.example.com/x/{{params.id}}','body':{'a':1},
                   'headers':{'X-A':'b'}},
                  {'id':'nap','type':'sleep','seconds':60},
                  {'id':'until','type':'wait_until','at':'2030-01-01T00:00:00Z'},
                  {'id':'ev','type':'wait_event','event':'approved','timeout_seconds':10,'on_timeout':'continue'}]}
                """), "definition", ALLOWED);
        assertEquals(6, d.steps().size());
        Step.Turn t = assertInstanceOf(Step.Turn.class, d.steps().get(0));
        assertEquals(new RetryPolicy(3, 2, 3), t.retry());
        assertTrue(t.chat().has("response_format"));
        assertTrue(!t.chat().has("id") && !t.chat().has("retry"));
        assertEquals("POST", assertInstanceOf(Step.Http.class, d.steps().get(2)).method());
        assertEquals(1_893_456_000_000L, assertInstanceOf(Step.WaitUntil.class, d.steps().get(4)).atMillis());
        assertTrue(assertInstanceOf(Step.WaitEvent.class, d.steps().get(5)).continueOnTimeout());
        assertEquals(2_000, t.retry().backoffMillis(1));
        assertEquals(18_000, t.retry().backoffMillis(3));
    }

    @Test
    void shouldRefuseAnUnknownStepType() {
        assertRefused("{'steps':[{'id':'a','type':'teleport'}]}", "definition.steps[0].type", "invalid_value");
    }

    @Test
    void shouldRefuseAUrlNotOnTheAllowList() {
        assertRefused("{'steps':[{'id':'a','type':'sleep','seconds':1},{'id':'b','type':'sleep','seconds':1},"
                + "{'id':'c','type':'http','url':'https://evil.example.org/'}]}", "definition.steps[2].url",
                "url_not_allowed");
        // A templated host is not a way around the list.
        assertRefused("{'steps':[{'id':'c','type':'http','url':'https://{{params.host}}/'}]}",
                "definition.steps[0].url", "url_not_allowed");
        assertRefused("{'steps':[{'id':'c','type':'http','url':'ftp://hooks.example.com/'}]}",
                "definition.steps[0].url", "invalid_value");
    }

    @Test
    void shouldRefuseABranchToAnUnknownStep() {
        assertRefused("{'steps':[{'id':'a','type':'branch','if':{'path':'params.x','exists':true},'then':'zz'}]}",
                "definition.steps[0].then", "unknown_step");
        assertRefused("{'steps':[{'id':'a','type':'branch','if':{'path':'params.x','exists':true},'then':'a',"
                + "'else':'zz'}]}", "definition.steps[0].else", "unknown_step");
    }

    @Test
    void shouldRefuseABranchReadingAStepThatHasNotRun() {
        assertRefused("{'steps':[{'id':'a','type':'branch','if':{'path':'steps.b.x','exists':true},'then':'b'},"
                + "{'id':'b','type':'sleep','seconds':1}]}", "definition.steps[0].if.path", "invalid_value");
        assertRefused("{'steps':[{'id':'a','type':'branch','if':{'path':'steps.nope.x','exists':true},'then':'a'}]}",
                "definition.steps[0].if.path", "unknown_step");
        assertRefused("{'steps':[{'id':'a','type':'branch','if':{'path':'env.HOME','exists':true},'then':'a'}]}",
                "definition.steps[0].if.path", "invalid_value");
        assertRefused("{'steps':[{'id':'a','type':'branch','if':{'path':'params.x','equals':1,'exists':true},"
                + "'then':'a'}]}", "definition.steps[0].if", "invalid_value");
    }

    @Test
    void shouldRefuseEachBadField() {
        assertRefused("{'steps':[]}", "definition.steps", "empty_array");
        assertRefused("{'steps':[{'type':'sleep','seconds':1}]}", "definition.steps[0].id",
                "missing_required_parameter");
        assertRefused("{'steps':[{'id':'a b','type':'sleep','seconds':1}]}", "definition.steps[0].id",
                "invalid_value");
        assertRefused("{'steps':[{'id':'a','type':'sleep','seconds':1},{'id':'a','type':'sleep','seconds':1}]}",
                "definition.steps[1].id", "duplicate_id");
        assertRefused("{'steps':[{'id':'a','type':'sleep','seconds':0}]}", "definition.steps[0].seconds",
                "invalid_value");
        assertRefused("{'steps':[{'id':'a','type':'sleep','seconds':400000000}]}", "definition.steps[0].seconds",
                "invalid_value");
        assertRefused("{'steps':[{'id':'a','type':'sleep','second':1}]}", "definition.steps[0].second",
                "unknown_parameter");
        assertRefused("{'steps':[{'id':'a','type':'wait_until','at':'tomorrow'}]}", "definition.steps[0].at",
                "invalid_value");
        assertRefused("{'steps':[{'id':'a','type':'wait_event','event':'a b','timeout_seconds':1}]}",
                "definition.steps[0].event", "invalid_value");
        assertRefused("{'steps':[{'id':'a','type':'wait_event','event':'go','timeout_seconds':1,"
                + "'on_timeout':'shrug'}]}", "definition.steps[0].on_timeout", "invalid_value");
        assertRefused("{'steps':[{'id':'a','type':'turn','messages':[]}]}", "definition.steps[0].messages",
                "empty_array");
        assertRefused("{'steps':[{'id':'a','type':'turn','messages':[{'role':'user','content':'x'}],"
                + "'retry':{'max_attempts':21}}]}", "definition.steps[0].retry.max_attempts", "invalid_value");
        assertRefused("{'steps':[{'id':'a','type':'turn','messages':[{'role':'user','content':'x'}],"
                + "'retry':{'backoff_seconds':0}}]}", "definition.steps[0].retry.backoff_seconds", "invalid_value");
        assertRefused("{'steps':[{'id':'a','type':'turn','messages':[{'role':'user','content':'x'}],"
                + "'retry':{'factor':0.5}}]}", "definition.steps[0].retry.factor", "invalid_value");
        assertRefused("{'steps':[{'id':'a','type':'http','method':'TRACE','url':'https://hooks.example.com/'}]}",
                "definition.steps[0].method", "invalid_value");
        assertRefused("{'steps':[{'id':'a','type':'http','url':'https://hooks.example.com/','headers':{'A':1}}]}",
                "definition.steps[0].headers.A", "invalid_type");
    }

    @Test
    void shouldRenderTemplatesRawForStringsAndCompactForJson() {
        WorkflowScope scope = new WorkflowScope(json("{'who':'Ada','n':{'a':[1,2]}}"),
                Map.of("ask", json("{'labels':['x','y'],'score':0.5}")));
        assertEquals("hi Ada, {\"a\":[1,2]} y 0.5 []", Templates.render(
                "hi {{params.who}}, {{ params.n }} {{steps.ask.labels.1}} {{steps.ask.score}} [{{steps.nope.x}}]",
                scope));
        // A substituted value is not rendered again.
        WorkflowScope tricky = new WorkflowScope(json("{'a':'{{params.b}}','b':'no'}"), Map.of());
        assertEquals("{{params.b}}", Templates.render("{{params.a}}", tricky));
        assertEquals(json("{'m':[{'content':'Ada'}],'k':3}"),
                Templates.render(json("{'m':[{'content':'{{params.who}}'}],'k':3}"), scope));
    }

    @Test
    void shouldCompareNumbersByValueInBranches() {
        WorkflowScope scope = new WorkflowScope(json("{'n':1.0,'z':null}"), Map.of());
        assertTrue(new BranchCondition("params.n", BranchCondition.Op.EQUALS, json("1")).test(scope));
        assertTrue(new BranchCondition("params.z", BranchCondition.Op.NOT_EXISTS, null).test(scope));
        assertTrue(new BranchCondition("params.q", BranchCondition.Op.NOT_EQUALS, json("1")).test(scope));
    }

    @Test
    void shouldLoadAStoredDefinitionByName() throws Exception {
        Files.createDirectories(dir.resolve("workflows"));
        Files.writeString(dir.resolve("workflows/nightly.json"),
                "{\"steps\":[{\"id\":\"s\",\"type\":\"sleep\",\"seconds\":5}],\"params\":{\"a\":1}}");
        Files.writeString(dir.resolve("workflows/broken.json"),
                "{\"steps\":[{\"id\":\"s\",\"type\":\"http\",\"url\":\"https://evil.example.org/\"}]}");
        WorkflowDefinitions defs = new WorkflowDefinitions(dir, ALLOWED);
        StoredDefinition d = defs.load("nightly");
        assertEquals(1, d.definition().steps().size());
        assertEquals(json("{'a':1}"), d.params());
        ApiError missing = assertThrows(ApiException.class, () -> defs.load("nope")).error();
        assertEquals(404, missing.status());
        assertEquals("workflow_definition_not_found", missing.code());
        ApiError broken = assertThrows(ApiException.class, () -> defs.load("broken")).error();
        assertEquals(400, broken.status());
        assertEquals("url_not_allowed", broken.code());
        assertTrue(broken.message().contains("workflows/broken.json"), broken.message());
        assertEquals(400, assertThrows(ApiException.class, () -> defs.load("../etc")).error().status());
    }
}
