package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class BindPolicyTest {
    @Test
    void shouldServeKeylessOnlyOnLoopbackUnlessAllowed() {
        assertNull(BindPolicy.refusal("127.0.0.1", false, false));
        assertNull(BindPolicy.refusal("localhost", false, false));
        assertNull(BindPolicy.refusal("::1", false, false));
        assertNotNull(BindPolicy.refusal("0.0.0.0", false, false));
        assertNull(BindPolicy.refusal("0.0.0.0", true, false), "keys exist");
        assertNull(BindPolicy.refusal("0.0.0.0", false, true), "the operator allowed it");
    }
}
