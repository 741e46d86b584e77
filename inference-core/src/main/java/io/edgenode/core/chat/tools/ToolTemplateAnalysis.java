package io.edgenode.core.chat.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.edgenode.core.chat.ChatMessage;
import io.edgenode.core.chat.ChatTemplate;
import io.edgenode.core.chat.ChatTemplateException;
import io.edgenode.core.chat.ToolCall;
import io.edgenode.core.chat.ToolCapabilities;
import io.edgenode.core.chat.ToolSpec;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Which tool-call family a chat template speaks, found as llama.cpp's differential analysis does:
 * the template renders the same turn once as a synthetic call and once as plain content, and the
 * text where the two differ is how the template writes a call (its markers, and where the name and
 * arguments go). That text is then matched against the families this package implements. A
 * template that shows no tools, or writes calls in a syntax not implemented here, gets the
 * {@link GenericFormat}; {@link #reason()} says which case it was.
 *
 * <p>Immutable. Analysing costs a handful of renders (milliseconds): do it once per template, through
 * {@link ToolTemplateAnalyses}, off the event loop.
 */
public record ToolTemplateAnalysis(ToolCallFormat format, ToolCapabilities capabilities, String callText, String reason) {

    static final String TOOL_NAME = "probe_tool_alpha";
    static final String ARGUMENT_KEY = "argument_needle";
    static final String CONTENT = "Probe content, not a call.";
    /** Nine alphanumerics: Mistral's templates refuse other ids. */
    static final String CALL_ID = "call00001";

    public ToolTemplateAnalysis {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(capabilities, "capabilities");
        Objects.requireNonNull(callText, "callText");
        Objects.requireNonNull(reason, "reason");
    }

    /** Analyses {@code template}. Never throws for a template that renders plain chat. */
    public static ToolTemplateAnalysis of(ChatTemplate template) {
        Objects.requireNonNull(template, "template");
        ToolCapabilities caps = template.toolCapabilities();
        if (!caps.supportsTools()) {
            return new ToolTemplateAnalysis(new GenericFormat(), caps, "", "the template does not show tools");
        }
        String callText = callText(template);
        ToolCallFormat family = classify(callText);
        if (family == null) {
            // The template may render no calls (Granite 3.3 drops them), yet describe its syntax beside the tools.
            String toolsPrompt = render(template, List.of(new ChatMessage("user", "Hey")));
            // Only markers no other family uses count here: the prompt describes, it does not show.
            family = toolsPrompt.contains("<|tool_call|>") ? CallArrayFormat.GRANITE : null;
            if (family != null) {
                return new ToolTemplateAnalysis(family, caps, callText, "markers found in the tools prompt");
            }
            if (callText.isEmpty()) {
                return new ToolTemplateAnalysis(new GenericFormat(), caps, callText, "the template renders no tool calls");
            }
            DerivedFormat derived = DerivedFormat.derive(callText, twoCallText(template));
            if (derived != null) {
                return new ToolTemplateAnalysis(derived, caps, callText, "layout derived from the rendered call");
            }
            return new ToolTemplateAnalysis(new GenericFormat(), caps, callText, "call syntax not implemented");
        }
        return new ToolTemplateAnalysis(family, caps, callText, "markers found in the rendered call");
    }

    /** The text the template writes for one call: where the call render and the content render differ. */
    static String callText(ChatTemplate template) {
        return callText(template, List.of(new ToolCall(CALL_ID, TOOL_NAME, "{\"" + ARGUMENT_KEY + "\": \"print('Hello, World!')\"}")));
    }

    /** Two calls in one turn, to see how a template separates them. */
    static String twoCallText(ChatTemplate template) {
        return callText(template, List.of(new ToolCall(CALL_ID, TOOL_NAME, "{\"" + ARGUMENT_KEY + "\": \"one\"}"),
                new ToolCall("call00002", TOOL_NAME, "{\"" + ARGUMENT_KEY + "\": \"two\"}")));
    }

    private static String callText(ChatTemplate template, List<ToolCall> calls) {
        String withCall = render(template, List.of(new ChatMessage("user", "Hey"), ChatMessage.assistantCalls(null, calls)));
        String withContent = render(template, List.of(new ChatMessage("user", "Hey"), new ChatMessage("assistant", CONTENT)));
        if (withCall.isEmpty() || withContent.isEmpty()) {
            return "";
        }
        int prefix = 0;
        int max = Math.min(withCall.length(), withContent.length());
        while (prefix < max && withCall.charAt(prefix) == withContent.charAt(prefix)) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < max - prefix
                && withCall.charAt(withCall.length() - 1 - suffix) == withContent.charAt(withContent.length() - 1 - suffix)) {
            suffix++;
        }
        int end = withCall.length() - suffix;
        // The common ends may cut a special token in two (<|START_ of <|START_THINKING|> and
        // <|START_RESPONSE|>): widen the call text to whole <...> tokens.
        int open = withCall.lastIndexOf('<', prefix - 1);
        if (open >= 0 && withCall.indexOf('>', open) >= prefix) {
            prefix = open;
        }
        int close = withCall.indexOf('>', end);
        int nextOpen = withCall.indexOf('<', end);
        if (close >= 0 && (nextOpen < 0 || close < nextOpen) && withCall.lastIndexOf('<', end - 1) > withCall.lastIndexOf('>', end - 1)) {
            end = close + 1;
        }
        return withCall.substring(prefix, end);
    }

    /**
     * The family whose call layout {@code text} shows, or null. Each family is recognised by its
     * marker and the probe's name and arguments where that family puts them, so that look-alikes
     * with another layout inside (GLM's and Qwen3-Coder's XML inside {@code <tool_call>}) are not
     * taken for it. Order matters: more specific markers first.
     */
    static ToolCallFormat classify(String text) {
        String name = Pattern.quote(TOOL_NAME);
        if (find(text, "<｜tool▁call▁begin｜>function<｜tool▁sep｜>" + name + "\\s*```json")) {
            return NamedArgumentsFormat.DEEPSEEK_R1;
        }
        if (find(text, "\\[TOOL_CALLS\\]" + name + "(\\[CALL_ID\\]\\w*)?\\[ARGS\\]")) {
            return NamedArgumentsFormat.MISTRAL_ARGS;
        }
        if (find(text, "\\[TOOL_CALLS\\]\\s*\\[\\s*\\{\\s*\"name\"\\s*:\\s*\"" + name + "\"")) {
            return new MistralNemoFormat();
        }
        if (find(text, "<\\|START_ACTION\\|>\\s*\\[\\s*\\{\\s*\"tool_call_id\"\\s*:\\s*\"\\d+\"\\s*,\\s*\"tool_name\"\\s*:\\s*\"" + name)) {
            return CallArrayFormat.COMMAND_R7B;
        }
        if (find(text, "<\\|tool_call\\|>\\s*\\[\\s*\\{\\s*\"name\"\\s*:\\s*\"" + name)) {
            return CallArrayFormat.GRANITE;
        }
        java.util.regex.Matcher xml = Pattern.compile("(<[^<>\\s]*tool_call>)\\s*<function=" + name + ">\\s*<parameter=" + ARGUMENT_KEY
                + ">.*</parameter>\\s*</function>\\s*(</[^<>\\s]*tool_call>)", Pattern.DOTALL).matcher(text);
        if (xml.find()) {
            return new XmlParametersFormat(xml.group(1), xml.group(2));
        }
        if (find(text, "<tool_call>" + name + "\\s*<arg_key>" + ARGUMENT_KEY + "</arg_key>\\s*<arg_value>.*</arg_value>\\s*</tool_call>")) {
            return new XmlParametersFormat("<tool_call>", "</tool_call>", true);
        }
        if (find(text, "<tool_call>\\s*\\{\\s*\"name\"\\s*:\\s*\"" + name + "\"\\s*,\\s*\"arguments\"\\s*:\\s*\\{")) {
            return new HermesFormat();
        }
        if (find(text, "<function=" + name + ">\\s*\\{")) {
            return NamedArgumentsFormat.FUNCTIONARY_V3_1;
        }
        // The diff starts after the ">>>" the content turn shares (">>>all\n" vs ">>>NAME\n").
        if (find(text, "(^|>>>)" + name + "\\n\\s*\\{")) {
            return new FunctionaryV32Format();
        }
        if (find(text, " functools\\[\\s*\\{\\s*\"name\"\\s*:\\s*\"" + name)) {
            return CallArrayFormat.FIREFUNCTION_V2;
        }
        if (find(text, "^\\s*(<\\|python_tag\\|>)?\\s*\\{\\s*(\"type\"\\s*:\\s*\"function\"\\s*,\\s*)?\"name\"\\s*:\\s*\"" + name
                + "\"\\s*,\\s*\"(parameters|arguments)\"\\s*:\\s*\\{")) {
            return new Llama3Format();
        }
        return null;
    }

    private static boolean find(String text, String regex) {
        return Pattern.compile(regex).matcher(text).find();
    }

    private static String render(ChatTemplate template, List<ChatMessage> messages) {
        try {
            return template.render(messages, false, List.of(tool()));
        } catch (ChatTemplateException e) {
            return ""; // a template that refuses the probe says nothing about its syntax
        }
    }

    static ToolSpec tool() {
        ObjectNode parameters = new ObjectMapper().createObjectNode().put("type", "object");
        parameters.putObject("properties").putObject(ARGUMENT_KEY).put("type", "string");
        parameters.putArray("required").add(ARGUMENT_KEY);
        return new ToolSpec(TOOL_NAME, "A probe tool.", parameters, false);
    }
}
