package io.edgenode.core.chat.tools;

import io.edgenode.core.chat.ChatTemplate;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Thread-safe (one lock around a small access-ordered map): the {@link ToolTemplateAnalysis} of
 * each template source, kept for reuse, so that a model's template is analysed once, not per
 * request. An analysis runs outside the lock, so two threads may analyse the same new template once
 * each.
 */
public final class ToolTemplateAnalyses {

    private final int capacity;
    private final Map<String, ToolTemplateAnalysis> bySource;

    /** @param capacity how many templates to remember (least recently used go first) */
    public ToolTemplateAnalyses(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity < 1");
        }
        this.capacity = capacity;
        this.bySource = new LinkedHashMap<>(16, 0.75f, true);
    }

    /** The analysis of {@code template}, computed on first use. */
    public ToolTemplateAnalysis of(ChatTemplate template) {
        String source = template.source();
        synchronized (bySource) {
            ToolTemplateAnalysis known = bySource.get(source);
            if (known != null) {
                return known;
            }
        }
        ToolTemplateAnalysis analysis = ToolTemplateAnalysis.of(template);
        synchronized (bySource) {
            bySource.put(source, analysis);
            if (bySource.size() > capacity) {
                bySource.remove(bySource.keySet().iterator().next());
            }
        }
        return analysis;
    }
}
