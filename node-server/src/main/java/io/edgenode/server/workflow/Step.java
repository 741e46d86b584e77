package io.edgenode.server.workflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One step of a workflow definition, validated. Immutable (the JSON held is a private copy never handed out for
 * writing). {@code turn} and {@code http} steps are run by the server's {@link StepRunner}; the others by the engine.
 */
public sealed interface Step {
    /** The step's id, unique in its definition. */
    String id();

    /** The type as written in the definition ({@code turn}, {@code http}, ...). */
    String type();

    /** Retries of a failed attempt; {@link RetryPolicy#NONE} for the steps the engine runs itself. */
    RetryPolicy retry();

    /** Whether the server's {@link StepRunner} runs it (else the engine does, holding no thread). */
    default boolean external() {
        return this instanceof Turn || this instanceof Http;
    }

    /**
     * A model turn.
     *
     * @param sessionId the session to run in; null for the workflow's own
     * @param chat      the chat-completion fields ({@code messages}, {@code tools}, {@code response_format}, ...)
     */
    record Turn(String id, RetryPolicy retry, String sessionId, ObjectNode chat) implements Step {
        public Turn {
            Objects.requireNonNull(chat, "chat");
        }

        @Override
        public String type() {
            return "turn";
        }
    }

    /** An HTTP call to an allow-listed URL; {@code body} and {@code headers} may be null. */
    record Http(String id, RetryPolicy retry, String method, String url, JsonNode body, ObjectNode headers)
            implements Step {
        @Override
        public String type() {
            return "http";
        }
    }

    /** Waits {@code seconds}, holding no thread. */
    record Sleep(String id, long seconds) implements Step {
        @Override
        public String type() {
            return "sleep";
        }

        @Override
        public RetryPolicy retry() {
            return RetryPolicy.NONE;
        }
    }

    /** Waits until an absolute time (epoch millis); a time in the past continues at once. */
    record WaitUntil(String id, long atMillis) implements Step {
        @Override
        public String type() {
            return "wait_until";
        }

        @Override
        public RetryPolicy retry() {
            return RetryPolicy.NONE;
        }
    }

    /** Waits for an event delivered to the workflow; its payload is the step's result. */
    record WaitEvent(String id, String event, long timeoutSeconds, boolean continueOnTimeout) implements Step {
        @Override
        public String type() {
            return "wait_event";
        }

        @Override
        public RetryPolicy retry() {
            return RetryPolicy.NONE;
        }
    }

    /** Jumps to {@code thenStep} when the condition holds, else to {@code elseStep} (null: the next step). */
    record Branch(String id, BranchCondition condition, String thenStep, String elseStep) implements Step {
        @Override
        public String type() {
            return "branch";
        }

        @Override
        public RetryPolicy retry() {
            return RetryPolicy.NONE;
        }
    }
}
