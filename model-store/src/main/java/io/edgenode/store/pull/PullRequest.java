package io.edgenode.store.pull;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One model to pull.
 *
 * @param source where the bytes come from
 * @param target the file to publish; its parent folders are created, {@code <target>.part} holds
 *     the download until it is verified
 * @param sha256Hex the expected SHA-256 as 64 hex digits (either case; kept in lower case), or
 *     empty to accept any content and report its digest
 */
public record PullRequest(ModelSource source, Path target, Optional<String> sha256Hex) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");

    public PullRequest {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(sha256Hex, "sha256Hex");
        if (sha256Hex.isPresent() && !SHA256.matcher(sha256Hex.get()).matches()) {
            throw new IllegalArgumentException("sha256 must be 64 hex digits, got '" + sha256Hex.get() + "'");
        }
        sha256Hex = sha256Hex.map(h -> h.toLowerCase(Locale.ROOT));
        if (target.getFileName() == null) {
            throw new IllegalArgumentException("pull target has no file name: " + target);
        }
    }

    /** A request without an expected digest. */
    public PullRequest(ModelSource source, Path target) {
        this(source, target, Optional.empty());
    }
}
