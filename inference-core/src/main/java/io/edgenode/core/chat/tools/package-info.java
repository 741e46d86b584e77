/**
 * The model side of tool calling: which syntax a chat template uses for calls, the grammar that
 * holds a model to it, and the streaming parser that reads calls back out of the output.
 *
 * <p>What a request with tools goes through (the HTTP layer's calls, per request unless noted):
 *
 * <pre>{@code
 * ToolTemplateAnalyses analyses = new ToolTemplateAnalyses(16);          // once per node
 * ToolCallFormat format = analyses.of(template).format();                // cached per template source
 * String prompt = format.prompt(template, messages, tools, true);        // tools shown the family's way
 * Constraint c = format.constraint(tools, choice, parallel, rules);      // null for ToolChoice.None
 * ToolCallParser parser = format.newParser(tools);                       // one per response
 * for each decoded text piece: deltas = parser.feed(piece);              // Content / CallStart / Arguments
 * at the end:                  deltas = parser.finish();  parser.result();
 * }</pre>
 *
 * <p>Families: {@link io.edgenode.core.chat.tools.HermesFormat} (Hermes, Qwen 2.5/3, Granite 4),
 * {@link io.edgenode.core.chat.tools.Llama3Format}, {@link io.edgenode.core.chat.tools.MistralNemoFormat},
 * {@link io.edgenode.core.chat.tools.NamedArgumentsFormat} (Mistral {@code [ARGS]}, Functionary v3.1,
 * DeepSeek R1), {@link io.edgenode.core.chat.tools.FunctionaryV32Format},
 * {@link io.edgenode.core.chat.tools.CallArrayFormat} (Granite 3, Command R7B, FireFunction v2),
 * {@link io.edgenode.core.chat.tools.XmlParametersFormat} (Qwen3-Coder, Qwen 3.5, Nemotron 3, Seed-OSS; GLM 4.6/4.7),
 * {@link io.edgenode.core.chat.tools.DerivedFormat} (simple JSON layouts read off the template) and
 * {@link io.edgenode.core.chat.tools.GenericFormat} (templates without tools). Everything but the
 * parsers is immutable; a parser is confined to the thread that feeds it.
 */
package io.edgenode.core.chat.tools;
