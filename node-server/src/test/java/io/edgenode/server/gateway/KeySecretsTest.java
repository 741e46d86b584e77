package io.edgenode.server.gateway;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class KeySecretsTest {
    private final KeySecrets secrets = new KeySecrets();

    @Test
    void generatedKeysHaveTheFormatAndParseToTheirId() {
        KeySecrets.NewKey k = secrets.generate();
        assertTrue(k.id().matches("[a-z2-7]{10}"), k.id());
        assertTrue(k.secret().matches("en_[a-z2-7]{10}_[A-Za-z0-9_-]{43}"), k.secret());
        assertEquals(Optional.of(k.id()), KeySecrets.parse(k.secret()));
        assertNotEquals(k.secret(), secrets.generate().secret());
    }

    @Test
    void parseRejectsNearMisses() {
        String s = secrets.generate().secret();
        assertTrue(KeySecrets.parse(null).isEmpty());
        assertTrue(KeySecrets.parse("").isEmpty());
        assertTrue(KeySecrets.parse(s + "A").isEmpty());
        assertTrue(KeySecrets.parse(s.substring(1)).isEmpty());
        assertTrue(KeySecrets.parse("EN" + s.substring(2)).isEmpty());
        assertTrue(KeySecrets.parse(s.substring(0, 3) + "A" + s.substring(4)).isEmpty());
        assertTrue(KeySecrets.parse(s.substring(0, 13) + "-" + s.substring(14)).isEmpty());
        assertTrue(KeySecrets.parse(s.substring(0, 20) + "=" + s.substring(21)).isEmpty());
        assertTrue(KeySecrets.parse(" " + s.substring(1)).isEmpty());
    }

    @Test
    void hashIsSha256AndMatchesOnlyTheSameKey() {
        String s = secrets.generate().secret();
        assertEquals(32, KeySecrets.hash(s).length);
        assertTrue(KeySecrets.matches(s, KeySecrets.hash(s)));
        assertFalse(KeySecrets.matches(s, KeySecrets.hash(secrets.generate().secret())));
    }
}
