package io.edgenode.core.grammar;

/** Opens {@link GbnfMatcher} to tests in other packages. */
public final class GbnfMatcherAccess {
    private GbnfMatcherAccess() {}

    /** Whether {@code input} is in the language of {@code grammarText} from its rule {@code root}. */
    public static boolean matches(String grammarText, String input) {
        return GbnfMatcher.matches(grammarText, input);
    }
}
