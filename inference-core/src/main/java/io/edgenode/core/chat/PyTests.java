package io.edgenode.core.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import java.util.List;
import java.util.Map;

/**
 * Jinja tests whose Jinjava version disagrees with Python: a string and a dict are iterable and are
 * sequences in Python (Llama 3.1 tojson-encodes tool results that pass {@code is iterable}); Jinjava
 * says no to both. Registered over Jinjava's built-ins. Stateless.
 */
final class PyTests {

    private PyTests() {}

    static List<ExpTest> all() {
        return List.of(new Iterable("iterable"), new Iterable("sequence"));
    }

    /** {@code iterable} ({@code iter(x)} works) and {@code sequence} ({@code len(x)} and {@code x[i]} work). */
    private record Iterable(String getName) implements ExpTest {
        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence
                    || var instanceof java.lang.Iterable<?>
                    || var instanceof Map<?, ?>
                    || (var != null && var.getClass().isArray());
        }
    }
}
