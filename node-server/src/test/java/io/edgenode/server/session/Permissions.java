package io.edgenode.server.session;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** File permission helpers for failure tests; root ignores permissions, so such tests skip when run as root. */
final class Permissions {
    private Permissions() {}

    static void makeReadOnly(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "r-xr-xr-x" : "r--r--r--"));
    }

    static void makeWritable(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
    }

    /** Skips the calling test unless writing to {@code p} (a read-only file or directory) is actually refused. */
    static void assumePermissionsEnforced(Path p) {
        boolean enforced;
        if (Files.isDirectory(p)) {
            Path probe = p.resolve(".probe");
            try {
                Files.createFile(probe);
                Files.delete(probe);
                enforced = false;
            } catch (IOException e) {
                enforced = true;
            }
        } else {
            try {
                Files.newOutputStream(p, java.nio.file.StandardOpenOption.APPEND).close();
                enforced = false;
            } catch (IOException e) {
                enforced = true;
            }
        }
        assumeTrue(enforced, "file permissions are not enforced for user " + System.getProperty("user.name")
                + " (root?): skipping");
    }
}
