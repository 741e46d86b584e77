package io.edgenode.server.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.edgenode.server.gateway.ApiKey;
import io.edgenode.server.gateway.ApiKeyJson;
import io.edgenode.server.gateway.Budget;
import io.edgenode.server.gateway.EndpointGroup;
import io.edgenode.server.gateway.GatewayDatabase;
import io.edgenode.server.gateway.KeyLimits;
import io.edgenode.server.gateway.KeyRequest;
import io.edgenode.server.gateway.KeyRing;
import io.edgenode.server.gateway.KeyStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code edgenode keys create|list|revoke|rotate}: the gateway's API keys in
 * {@code <data-dir>/gateway.db}. Confined to the command's thread. A running node sees the
 * changes on its next request (its ring watches the database's change counter).
 */
@Command(name = "keys", description = "Create, list, revoke and rotate the node's API keys.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class,
                KeysCommand.Rotate.class})
final class KeysCommand implements Runnable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm'Z'").withZone(ZoneOffset.UTC);

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: create, list, revoke or rotate");
    }

    /** Where gateway.db lives: {@code --data-dir}, else the config's data directory (as serve finds it). */
    static final class DataDirOption {
        @Mixin
        ConfigFileOption config;

        @Option(names = "--data-dir", description = "Data directory holding gateway.db (default: from the config).")
        Path dataDir;

        /** The ring over the data directory's gateway.db; the caller closes it. */
        Session open() {
            Path dir = dataDir != null ? dataDir : config.load().server().dataDir();
            GatewayDatabase db = GatewayDatabase.open(dir);
            KeyStore store = new KeyStore(db);
            return new Session(store, new KeyRing(db, store));
        }
    }

    private record Session(KeyStore store, KeyRing ring) implements AutoCloseable {
        @Override
        public void close() {
            ring.close();
            store.close();
        }
    }

    private static void printSecret(PrintWriter out, String id, String secret) {
        out.println("id:     " + id);
        out.println("secret: " + secret);
        out.println("Store the secret now: it will not be shown again.");
    }

    @Command(name = "create", description = "Create a key and print its secret (once).")
    static final class Create implements Callable<Integer> {
        @Mixin
        DataDirOption parent;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--name", required = true, description = "What to call the key.")
        String name;

        @Option(names = "--models", split = ",", paramLabel = "ID", description = "Models the key may use (default: all).")
        List<String> models = new ArrayList<>();

        @Option(names = "--groups", split = ",", paramLabel = "GROUP", description = "Endpoint groups: inference, sessions, admin (default: inference,sessions).")
        List<String> groups = new ArrayList<>();

        @Option(names = "--admin", description = "Add the admin group.")
        boolean admin;

        @Option(names = "--max-streams", defaultValue = "0", description = "Concurrent generations (0: no limit).")
        int maxStreams;

        @Option(names = "--session-prefix", description = "Session ids the key may use must start with this.")
        String sessionPrefix;

        @Option(names = "--rpm", defaultValue = "0", description = "Requests per minute (0: none).")
        int rpm;

        @Option(names = "--tpm", defaultValue = "0", description = "Tokens per minute (0: none).")
        long tpm;

        @Option(names = "--per-user", description = "Rate limits apply to each `user` separately instead of to the key as a whole.")
        boolean perUser;

        @Option(names = "--budget-usd", defaultValue = "0", description = "Spending limit per period in USD (0: none).")
        double budgetUsd;

        @Option(names = "--budget-user-usd", defaultValue = "0", description = "Per-user spending limit per period in USD (0: none).")
        double budgetUserUsd;

        @Option(names = "--budget-period", defaultValue = "total", description = "day, month or total (default ${DEFAULT-VALUE}).")
        String budgetPeriod;

        @Option(names = "--json", description = "Print the key object with its secret as JSON.")
        boolean json;

        @Override
        public Integer call() {
            KeyRequest r;
            try {
                r = KeyRequest.fromFlags(name, models, groups, admin, maxStreams, sessionPrefix, rpm, tpm, perUser,
                        budgetUsd, budgetUserUsd, budgetPeriod);
            } catch (KeyRequest.InvalidField e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            try (Session s = parent.open()) {
                KeyStore.Created c = s.ring().create(r.name(), r.scopes(), r.limits());
                if (json) {
                    out.println(ApiKeyJson.withSecret(c.key(), c.secret()).toPrettyString());
                } else {
                    printSecret(out, c.key().id(), c.secret());
                }
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "list", description = "List the keys (never their secrets).")
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        DataDirOption parent;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--json", description = "Print {\"object\":\"list\",\"data\":[...]} as the admin API does.")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            List<ApiKey> keys;
            try (Session s = parent.open()) {
                keys = s.store().list();
            }
            if (json) {
                var list = JsonNodeFactory.instance.objectNode();
                list.put("object", "list");
                ArrayNode data = list.putArray("data");
                keys.forEach(k -> data.add(ApiKeyJson.keyObject(k)));
                out.println(list.toPrettyString());
            } else {
                String fmt = "%-10s  %-20s  %-24s  %-20s  %-28s  %-17s  %s%n";
                out.printf(fmt, "ID", "NAME", "GROUPS", "MODELS", "LIMITS", "CREATED", "REVOKED");
                for (ApiKey k : keys) {
                    out.printf(fmt, k.id(), k.name(),
                            k.scopes().groups().stream().map(EndpointGroup::wireName).sorted().collect(Collectors.joining(",")),
                            k.scopes().models().isEmpty() ? "*" : String.join(",", new TreeSet<>(k.scopes().models())),
                            limits(k), TIME.format(k.createdAt()), k.revokedAt() == null ? "-" : TIME.format(k.revokedAt()));
                }
            }
            out.flush();
            return 0;
        }

        private static String limits(ApiKey k) {
            List<String> l = new ArrayList<>();
            KeyLimits lim = k.limits();
            if (k.scopes().maxConcurrentStreams() > 0) {
                l.add("streams=" + k.scopes().maxConcurrentStreams());
            }
            if (lim.requestsPerMinute() > 0) {
                l.add("rpm=" + lim.requestsPerMinute());
            }
            if (lim.tokensPerMinute() > 0) {
                l.add("tpm=" + lim.tokensPerMinute());
            }
            if (lim.perUser()) {
                l.add("per-user");
            }
            Budget b = lim.budget();
            if (b.limitNanoUsd() > 0) {
                l.add("$" + Budget.usd(b.limitNanoUsd()) + "/" + b.period().wireName());
            }
            if (b.perUserNanoUsd() > 0) {
                l.add("user $" + Budget.usd(b.perUserNanoUsd()) + "/" + b.period().wireName());
            }
            if (k.scopes().sessionPrefix() != null) {
                l.add("sessions=" + k.scopes().sessionPrefix() + "*");
            }
            return l.isEmpty() ? "-" : String.join(" ", l);
        }
    }

    @Command(name = "revoke", description = "Revoke a key (at once, for good).")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        DataDirOption parent;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The key's id (the part after en_).")
        String id;

        @Override
        public Integer call() {
            try (Session s = parent.open()) {
                if (!s.ring().revoke(id)) {
                    throw new IllegalArgumentException("no API key with id '" + id + "'");
                }
            }
            spec.commandLine().getOut().println("revoked " + id);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "rotate", description = "Give a key a new secret (same id, scopes and limits); the old one stops at once.")
    static final class Rotate implements Callable<Integer> {
        @Mixin
        DataDirOption parent;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "ID", description = "The key's id (the part after en_).")
        String id;

        @Option(names = "--json", description = "Print the key object with its new secret as JSON.")
        boolean json;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (Session s = parent.open()) {
                var secret = s.ring().rotate(id);
                if (secret.isEmpty()) {
                    throw new IllegalArgumentException(s.store().find(id).isPresent()
                            ? "API key '" + id + "' is revoked and cannot be rotated"
                            : "no API key with id '" + id + "'");
                }
                if (json) {
                    out.println(ApiKeyJson.withSecret(s.store().find(id).orElseThrow(), secret.get()).toPrettyString());
                } else {
                    printSecret(out, id, secret.get());
                }
            }
            out.flush();
            return 0;
        }
    }
}
