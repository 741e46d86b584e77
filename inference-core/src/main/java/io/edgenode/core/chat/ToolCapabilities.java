package io.edgenode.core.chat;

/**
 * What a chat template does with tools, found by rendering probes (as llama.cpp's template caps
 * detection does): whether it shows {@code tools} to the model, whether it renders an assistant's
 * {@code tool_calls}, and whether it wants each call's {@code arguments} as a mapping rather than as
 * JSON text (Llama 3.1 prints {@code arguments | tojson}; Mistral Nemo {@code tojson}s the whole
 * function; a string there would come out quoted and escaped).
 */
public record ToolCapabilities(boolean supportsTools, boolean supportsToolCalls, boolean argumentsAsObject) {}
