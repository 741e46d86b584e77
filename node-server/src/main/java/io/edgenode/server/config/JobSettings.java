package io.edgenode.server.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * How scheduled work runs ({@code jobs:} in models.yaml).
 *
 * @param maxConcurrentRuns due runs that may run at once; later ones wait, in due order
 * @param missedRunOnce what a schedule that fell due while the node was down does at start: run
 *     once (true), or skip to its next due time (false); a schedule may say otherwise
 * @param webhookAllow URL prefixes a webhook may be sent to (scheme, host, port and path prefix);
 *     empty: no webhooks
 * @param webhookTimeout how long one webhook delivery may take
 */
public record JobSettings(int maxConcurrentRuns, boolean missedRunOnce, List<String> webhookAllow,
        Duration webhookTimeout) {
    public static final JobSettings DEFAULTS = new JobSettings(4, true, List.of(), Duration.ofSeconds(10));

    public JobSettings {
        webhookAllow = List.copyOf(webhookAllow);
        Objects.requireNonNull(webhookTimeout, "webhookTimeout");
        if (maxConcurrentRuns < 1 || webhookTimeout.isNegative() || webhookTimeout.isZero()) {
            throw new IllegalArgumentException("invalid job settings: " + this);
        }
    }

    /**
     * Whether a webhook may go to {@code url}: it starts with an allowed prefix, compared on the
     * normalised URI (scheme and host case-insensitively), so that {@code http://a/hooks/../admin}
     * does not pass for {@code http://a/hooks/}.
     */
    public boolean allowsWebhook(URI url) {
        URI u = url.normalize();
        if (u.getRawUserInfo() != null || u.getHost() == null) {
            return false;
        }
        String given = canonical(u);
        for (String prefix : webhookAllow) {
            if (given.startsWith(canonical(URI.create(prefix).normalize()))) {
                return true;
            }
        }
        return false;
    }

    private static String canonical(URI u) {
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        int port = u.getPort() >= 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + ":" + port + path
                + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }
}
