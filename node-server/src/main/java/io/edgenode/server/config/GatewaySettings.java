package io.edgenode.server.config;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The {@code gateway:} section of models.yaml.
 *
 * @param allowKeylessRemote serve without keys on a non-loopback address (refused at start
 *     otherwise: a node reachable from the network must not answer anyone)
 * @param nodeId this node's name in {@code x-edgenode-node} and the ledger; empty: the host name
 * @param cache the exact response cache
 * @param ledger the usage ledger's batching and retention
 * @param guardrails checks on prompts and streamed replies
 * @param sharedPrefixes prompt texts an operator marks shared across tenants (a common system
 *     prompt): prefix-cache reuse may cross keys for these tokens only
 * @param prices per model id: what its requests cost; a model without an entry is free
 */
public record GatewaySettings(boolean allowKeylessRemote, String nodeId, Cache cache, Ledger ledger,
        Guardrails guardrails, List<String> sharedPrefixes, Map<String, ModelPrice> prices) {

    public static final GatewaySettings DEFAULTS = new GatewaySettings(false, "", Cache.OFF, Ledger.DEFAULTS,
            Guardrails.NONE, List.of(), Map.of());

    public GatewaySettings {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(ledger, "ledger");
        Objects.requireNonNull(guardrails, "guardrails");
        sharedPrefixes = List.copyOf(sharedPrefixes);
        prices = Map.copyOf(prices);
    }

    public ModelPrice price(String modelId) {
        return Optional.ofNullable(prices.get(modelId)).orElse(ModelPrice.FREE);
    }

    /**
     * @param enabled off by default: a cached reply must be asked for by configuration
     * @param ttl how long an entry lives unless the request's {@code x-edgenode-cache-ttl} says less
     * @param maxBytes what the entries may take together (their recorded text and tokens)
     * @param deterministicOnly cache only requests with temperature 0 or a seed
     */
    public record Cache(boolean enabled, Duration ttl, long maxBytes, boolean deterministicOnly) {
        public static final Cache OFF = new Cache(false, Duration.ofMinutes(5), 64L << 20, true);

        public Cache {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("cache ttl must be positive");
            }
            if (maxBytes < 1) {
                throw new IllegalArgumentException("cache max_bytes must be positive");
            }
        }
    }

    /**
     * @param retention rows older than this are deleted (hourly)
     * @param batchSize rows written per transaction at most
     * @param flushInterval how long a row may wait for its batch
     */
    public record Ledger(Duration retention, int batchSize, Duration flushInterval) {
        public static final Ledger DEFAULTS = new Ledger(Duration.ofDays(90), 512, Duration.ofMillis(200));

        public Ledger {
            Objects.requireNonNull(retention, "retention");
            Objects.requireNonNull(flushInterval, "flushInterval");
            if (retention.isNegative() || retention.isZero() || batchSize < 1 || flushInterval.isNegative()) {
                throw new IllegalArgumentException("ledger retention and batch size must be positive");
            }
        }
    }

    /** What a guardrail does when a rule matches. */
    public enum Action {
        /** Refuse the prompt (400 {@code prompt_blocked}) or end the reply ({@code response_blocked}). */
        BLOCK,
        /** Let it through, record the rule in the ledger and the log. */
        FLAG;

        public static Action parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "block" -> BLOCK;
                case "flag" -> FLAG;
                default -> throw new IllegalArgumentException("unknown guardrail action '" + s + "' (block, flag)");
            };
        }
    }

    /**
     * @param deny patterns (Java regular expressions) a prompt or reply must not contain
     * @param maxPromptChars the longest prompt text accepted (all message contents together); 0: no limit
     * @param action what a match does
     * @param window how many characters of a streamed reply are kept to match patterns that span
     *     chunks
     */
    public record Guardrails(List<Pattern> deny, int maxPromptChars, Action action, int window) {
        public static final Guardrails NONE = new Guardrails(List.of(), 0, Action.BLOCK, 256);

        public Guardrails {
            deny = List.copyOf(deny);
            Objects.requireNonNull(action, "action");
            if (maxPromptChars < 0 || window < 1) {
                throw new IllegalArgumentException("max_prompt_chars must be >= 0 and window >= 1");
            }
        }

        public boolean isEmpty() {
            return deny.isEmpty() && maxPromptChars == 0;
        }
    }
}
