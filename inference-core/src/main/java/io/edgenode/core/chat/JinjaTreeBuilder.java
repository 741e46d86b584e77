package io.edgenode.core.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.EndTag;
import com.hubspot.jinjava.lib.tag.FlexibleTag;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.ExpressionNode;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.TextNode;
import com.hubspot.jinjava.tree.output.OutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;
import com.hubspot.jinjava.tree.parse.NoteToken;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.tree.parse.TextToken;
import com.hubspot.jinjava.tree.parse.Token;
import com.hubspot.jinjava.tree.parse.TokenScanner;
import com.hubspot.jinjava.tree.parse.TokenScannerSymbols;
import com.hubspot.jinjava.tree.parse.UnclosedToken;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds Jinjava's node tree from Jinjava's tokens, with Jinja's whitespace rules instead of those of
 * Jinjava's {@code TreeParser}, which differ around comments and with {@code lstrip_blocks}:
 *
 * <ul>
 *   <li>A {@code -} marker strips the whitespace of the text right next to it, and only that text. A
 *       comment separates texts: {@code a \n {# c #}\n {%- if %}} keeps the first newline. (Jinjava
 *       merges the texts around a comment, so the {@code -} stripped both, and it ignored a comment's
 *       own markers or applied them to the wrong side.)
 *   <li>{@code lstrip_blocks} removes spaces and tabs before a block or comment only when nothing else
 *       precedes it on its line (Jinjava stripped them after any text: {@code Hello {% if %}} lost its
 *       space).
 *   <li>{@code trim_blocks} (the newline after a block or comment) is done by Jinjava's scanner.
 *   <li>Line breaks are normalized and one trailing newline is dropped, as Jinja's lexer does.
 * </ul>
 *
 * Structural errors that Jinjava only warns about (an unclosed tag or comment, an end tag without a
 * start) fail here, as Jinja fails to compile them. Used once per template, on the parsing thread.
 */
final class JinjaTreeBuilder {

    private JinjaTreeBuilder() {}

    /** Parses {@code template}; {@code interpreter} must be current (tokens read its whitespace settings). */
    static Node build(String source, JinjavaInterpreter interpreter) {
        String template = normalizeNewlines(source);
        List<Token> tokens = new ArrayList<>();
        new TokenScanner(template, interpreter.getConfig()).forEachRemaining(tokens::add);
        TokenScannerSymbols symbols = interpreter.getConfig().getTokenScannerSymbols();
        boolean lstripBlocks = interpreter.getConfig().isLstripBlocks();

        Root root = new Root(symbols);
        Node parent = root;
        int offset = 0; // where the current token starts in the template
        boolean atLineStart = true;
        for (int i = 0; i < tokens.size(); i++) {
            Token token = tokens.get(i);
            // The scanner drops the newline after a block or comment (trim_blocks) without a token; find
            // such gaps in the template to know where lines start (for lstrip_blocks).
            if (offset < template.length() && template.charAt(offset) == '\n' && !template.startsWith(token.getImage(), offset)) {
                offset++;
                atLineStart = true;
            }
            Token previous = i > 0 ? tokens.get(i - 1) : null;
            Token next = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
            switch (token) {
                case UnclosedToken unclosed -> throw error(unclosed, "unexpected end of template: unclosed '" + abbreviate(unclosed.getImage()) + "'");
                case TextToken text -> {
                    TextToken out = text;
                    if (lstripBlocks && (next instanceof TagToken || next instanceof NoteToken) && !next.isLeftTrim()) {
                        String image = text.getImage();
                        int lineBegin = image.lastIndexOf('\n') + 1;
                        if ((lineBegin > 0 || atLineStart) && isSpacesAndTabs(image, lineBegin)) {
                            out = new TextToken(image.substring(0, lineBegin), text.getLineNumber(), text.getStartPosition(), symbols);
                        }
                    }
                    if (previous != null && previous.isRightTrim()) {
                        out.setLeftTrim(true);
                    }
                    if (next != null && next.isLeftTrim()) {
                        out.setRightTrim(true);
                    }
                    add(parent, new TextNode(out));
                }
                case ExpressionToken expression ->
                        add(parent, new ExpressionNode(PyOutput.INSTANCE, expression));
                case TagToken tagToken -> {
                    Tag tag = interpreter.getContext().getTag(tagToken.getTagName());
                    if (tag == null) {
                        throw error(tagToken, "unknown tag '" + tagToken.getTagName() + "'");
                    }
                    if (tag instanceof EndTag) {
                        if (!(parent instanceof TagNode open) || !tagToken.getTagName().equals(open.getEndName())) {
                            throw error(tagToken, "unexpected '" + tagToken.getTagName() + "'"
                                    + (parent instanceof TagNode open ? ", expected '" + open.getEndName() + "'" : ""));
                        }
                        parent = parent.getParent();
                    } else {
                        TagNode node = new TagNode(tag, tagToken, symbols);
                        add(parent, node);
                        if (node.getEndName() != null && (!(tag instanceof FlexibleTag flexible) || flexible.hasEndTag(tagToken))) {
                            parent = node;
                        }
                    }
                }
                case NoteToken note -> {
                    if (!note.getImage().endsWith(symbols.getClosingComment())) {
                        throw error(note, "unexpected end of template: unclosed comment");
                    }
                }
                default -> throw error(token, "unexpected '" + abbreviate(token.getImage()) + "'");
            }
            offset += token.getImage().length();
            atLineStart = token.getImage().endsWith("\n");
        }
        if (parent != root) {
            TagNode open = (TagNode) parent;
            throw error(open.getMaster(), "unexpected end of template: '" + open.getName() + "' (line "
                    + open.getLineNumber() + ") is not closed by '" + open.getEndName() + "'");
        }
        return root;
    }

    /**
     * Jinja's lexer reads {@code \r\n} and {@code \r} as {@code \n} and drops one trailing newline
     * ({@code keep_trailing_newline=False}); Jinjava does neither.
     */
    static String normalizeNewlines(String source) {
        String s = source.indexOf('\r') < 0 ? source : source.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private static void add(Node parent, Node child) {
        child.setParent(parent);
        parent.getChildren().add(child);
    }

    private static boolean isSpacesAndTabs(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t') {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static ChatTemplateException error(Token token, String message) {
        return new ChatTemplateException("invalid chat template: line " + token.getLineNumber() + ": " + message);
    }

    /** The tree's root; only its children are rendered. */
    private static final class Root extends Node {
        private static final long serialVersionUID = 1L;
        private final transient TokenScannerSymbols symbols;

        Root(TokenScannerSymbols symbols) {
            super(null, 0, 0);
            this.symbols = symbols;
        }

        @Override
        public OutputNode render(JinjavaInterpreter interpreter) {
            throw new UnsupportedOperationException("the interpreter renders a root's children");
        }

        @Override
        public TokenScannerSymbols getSymbols() {
            return symbols;
        }

        @Override
        public String getName() {
            return "Root";
        }
    }
}
