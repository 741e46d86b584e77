package io.edgenode.core.chat;

import java.util.Map;

/**
 * A chat template as the template engine compiled it ({@link JinjavaAdapter#compile}): immutable, so
 * any thread may render with it, concurrently. This and plain Java values are all that cross the
 * boundary to the engine: {@link ChatTemplate} never sees a Jinjava type.
 */
interface CompiledTemplate {

    /**
     * Renders with the given variables: strings, booleans, numbers, lists and maps of them. The maps
     * and lists may be changed by the template ({@code .pop()}, {@code update()}).
     *
     * @throws ChatTemplateException on a template error, or with the template's own
     *     {@code raise_exception} message as is
     */
    String render(Map<String, Object> variables);
}
