package io.edgenode.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.edgenode.server.gateway.GatewayDatabase;
import io.edgenode.server.gateway.KeyRing;
import io.edgenode.server.gateway.KeyStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code edgenode keys} in-process against a real gateway.db, checked through a KeyRing as the node sees it. */
class KeysCommandTest {
    static final Pattern SECRET = Pattern.compile("en_[a-z2-7]{10}_[A-Za-z0-9_-]{43}");

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--data-dir";
        all[args.length + 1] = dir.toString();
        int code = EdgenodeCli.run(all, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    static String secret(String out) {
        Matcher m = SECRET.matcher(out);
        assertTrue(m.find(), out);
        return m.group();
    }

    String status(String secret) {
        try (KeyRing ring = new KeyRing(GatewayDatabase.open(dir), new KeyStore(GatewayDatabase.open(dir)))) {
            var a = ring.authenticate("Bearer " + secret);
            return a.ok() ? "OK" : a.failure().name();
        }
    }

    @Test
    void shouldCreateListRevokeAndRotateKeys() {
        Run created = cli("keys", "create", "--name", "app", "--models", "demo", "--rpm", "60", "--tpm", "1000",
                "--budget-usd", "5", "--budget-period", "month");
        assertEquals(0, created.code(), created.err());
        String secret = secret(created.out());
        String id = secret.substring(3, 13);
        assertEquals("OK", status(secret));

        Run list = cli("keys", "list");
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains(id) && list.out().contains("app"), list.out());
        assertFalse(list.out().contains(secret.substring(14)), "a listing never shows a secret");

        Run rotated = cli("keys", "rotate", id);
        assertEquals(0, rotated.code(), rotated.err());
        String fresh = secret(rotated.out());
        assertEquals("OK", status(fresh));
        assertEquals("UNKNOWN", status(secret), "the old secret stops at once");

        assertEquals(0, cli("keys", "revoke", id).code());
        assertEquals("REVOKED", status(fresh));
        assertEquals(2, cli("keys", "create", "--name", "x", "--groups", "nope").code(), "a bad group is a usage error");
        assertTrue(cli("keys", "revoke", "nosuchkey0").code() != 0);
    }
}
