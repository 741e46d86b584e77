package io.edgenode.server.node;

import io.edgenode.core.chat.ChatTemplate;
import io.edgenode.core.engine.Engine;
import io.edgenode.core.llama.LlamaModel;
import io.edgenode.server.config.ModelSpec;

/**
 * A model ready to serve: its weights, its engine (decode thread), and its chat template.
 * Immutable; shared by every request of that model.
 */
public record LoadedModel(ModelSpec spec, LlamaModel model, Engine engine, ChatTemplate template, long createdEpochSeconds) {
    public String id() {
        return spec.id();
    }
}
