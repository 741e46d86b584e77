package io.edgenode.core.chat;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The rule that decides whether {@link ChatTemplateRealTemplatesTest} may skip without the llama.cpp source. */
class ReferenceTemplatesRequirementTest {
    private static final String REQUIRE = "edgenode.requireLlamaSource";
    private final String saved = System.getProperty(REQUIRE);

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(REQUIRE);
        } else {
            System.setProperty(REQUIRE, saved);
        }
    }

    @Test
    void shouldFailNotSkipWhenTheSourceIsRequired() {
        System.setProperty(REQUIRE, "true");

        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> ChatTemplateRealTemplatesTest.require(false, "no templates"));
        assertTrue(e.getMessage().contains("scripts/native source"), e.getMessage());
        assertDoesNotThrow(() -> ChatTemplateRealTemplatesTest.require(true, "present"));
    }

    @Test
    void shouldSkipWhenNotRequired() {
        System.clearProperty(REQUIRE);
        // Under CI the environment requires it whatever the property says: only the required branch applies.
        if (!"1".equals(System.getenv("EDGENODE_REQUIRE_LLAMA_SOURCE"))) {
            TestAbortedException e = assertThrows(TestAbortedException.class,
                    () -> ChatTemplateRealTemplatesTest.require(false, "no templates"));
            assertTrue(e.getMessage().contains("scripts/native source"), e.getMessage());
        } else {
            assertThrows(AssertionFailedError.class, () -> ChatTemplateRealTemplatesTest.require(false, "no templates"));
        }
    }
}
