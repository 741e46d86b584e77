package io.edgenode.server.live;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The server-to-client messages of the session WebSocket protocol, as JSON text (README, "Live
 * sessions"). Turn events embed the chunks the turn's log already holds as JSON text, so a delta
 * is rendered by concatenation, once, whatever the number of clients. Stateless.
 */
public final class LiveMessages {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LiveMessages() {}

    /** A turn's event as its WebSocket message. */
    static String turnEvent(TurnLog log, TurnLog.Event e) {
        String head = "{\"type\":\"" + switch (e.kind()) {
            case STARTED -> "turn.started";
            case DELTA -> "turn.delta";
            case FINISHED -> "turn.finished";
            case FAILED -> "turn.failed";
        } + "\",\"session_id\":" + quote(log.sessionId()) + ",\"turn\":" + log.turn() + ",\"event_id\":\""
                + log.eventId(e.seq()) + "\"";
        return switch (e.kind()) {
            case STARTED -> head + ",\"request_id\":" + quote(log.requestId()) + ",\"source\":" + quote(log.source())
                    + ",\"messages\":" + log.inputJson() + ",\"chunk\":" + (e.payload() == null ? "null" : e.payload())
                    + "}";
            case DELTA -> head + ",\"chunk\":" + e.payload() + "}";
            case FINISHED -> head + ",\"finish_reason\":" + quote(e.finishReason()) + ",\"chunk\":" + e.payload()
                    + ",\"usage\":" + usageOf(e.usage()) + "}";
            // payload is {"error":{...}}: its member joins the message.
            case FAILED -> head + "," + e.payload().substring(1);
        };
    }

    /** The usage object inside a usage chunk ({@code null} when there is none). */
    private static String usageOf(String usageChunk) {
        if (usageChunk == null) {
            return "null";
        }
        try {
            JsonNode u = JSON.readTree(usageChunk).get("usage");
            return u == null ? "null" : u.toString();
        } catch (java.io.IOException e) {
            return "null";
        }
    }

    /** The first message a client gets: who is here, what runs, the state. */
    public static String hello(String sessionId, int clients, int turnCount, Integer runningTurn, long stateVersion,
            String stateJson) {
        return "{\"type\":\"hello\",\"session_id\":" + quote(sessionId) + ",\"clients\":" + clients
                + ",\"turn_count\":" + turnCount + ",\"running_turn\":" + (runningTurn == null ? "null" : runningTurn)
                + ",\"state\":{\"version\":" + stateVersion + ",\"state\":" + (stateJson == null ? "{}" : stateJson)
                + "}}";
    }

    /** How many clients are connected now. */
    public static String presence(String sessionId, int clients) {
        return "{\"type\":\"presence\",\"session_id\":" + quote(sessionId) + ",\"clients\":" + clients + "}";
    }

    /** The session's state document changed. */
    public static String state(String sessionId, long version, String stateJson) {
        return "{\"type\":\"state\",\"session_id\":" + quote(sessionId) + ",\"version\":" + version + ",\"state\":"
                + stateJson + "}";
    }

    /** A scheduled run of the session ended ({@code error} null when it succeeded). */
    public static String scheduleRun(String sessionId, String scheduleId, String runId, int attempt, boolean ok,
            String error) {
        return "{\"type\":\"schedule.run\",\"session_id\":" + quote(sessionId) + ",\"schedule_id\":" + quote(scheduleId)
                + ",\"run_id\":" + quote(runId) + ",\"attempt\":" + attempt + ",\"outcome\":\"" + (ok ? "ok" : "failed")
                + "\",\"error\":" + (error == null ? "null" : quote(error)) + "}";
    }

    /** A step of a workflow on the session started ({@code status} "started") or ended ("succeeded", "failed"). */
    public static String workflowStep(String sessionId, String workflowId, String stepId, String status, String error) {
        return "{\"type\":\"workflow.step\",\"session_id\":" + quote(sessionId) + ",\"workflow_id\":"
                + quote(workflowId) + ",\"step_id\":" + quote(stepId) + ",\"status\":" + quote(status) + ",\"error\":"
                + (error == null ? "null" : quote(error)) + "}";
    }

    /** A workflow on the session ended ({@code status}: succeeded, failed, cancelled). */
    public static String workflowFinished(String sessionId, String workflowId, String status, String error) {
        return "{\"type\":\"workflow.finished\",\"session_id\":" + quote(sessionId) + ",\"workflow_id\":"
                + quote(workflowId) + ",\"status\":" + quote(status) + ",\"error\":"
                + (error == null ? "null" : quote(error)) + "}";
    }

    /** A reply to a client message that could not be done; {@code errorJson} is {@code {"error":{...}}}. */
    public static String error(String ref, String errorJson) {
        return "{\"type\":\"error\",\"ref\":" + (ref == null ? "null" : quote(ref)) + "," + errorJson.substring(1);
    }

    /** The answer to a client's {@code ping} message. */
    public static String pong(String ref) {
        return "{\"type\":\"pong\",\"ref\":" + (ref == null ? "null" : quote(ref)) + "}";
    }

    /** A JSON string literal. */
    public static String quote(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }
}
