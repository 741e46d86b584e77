package io.edgenode.server.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The {@code server:} section of models.yaml.
 *
 * @param host the address to bind ({@code 127.0.0.1} by default: reachable from this host only)
 * @param port 0..65535; 0 binds an ephemeral port
 * @param dataDir sessions and other state; models.yaml resolves it against its own folder
 * @param corsAllowedOrigins origins allowed by CORS ({@code https://app.example.com}, or {@code *});
 *     empty (the default) sends no CORS headers
 * @param maxBodyBytes the largest request body accepted (larger: 413)
 * @param memoryBudgetBytes what loaded models may take together (weights, KV cache, compute
 *     buffers, as estimated from their GGUF facts); 0: a share of physical memory, decided at start
 * @param routing how {@code "model": "auto"} routes
 * @param connections per-connection timeouts and pipelining bounds
 */
public record ServerSettings(String host, int port, Path dataDir, List<String> corsAllowedOrigins, int maxBodyBytes,
        long memoryBudgetBytes, RoutingSettings routing, ConnectionLimits connections,
        io.edgenode.server.live.LiveSettings live) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final String DEFAULT_DATA_DIR = "data";
    public static final int DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

    public ServerSettings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(dataDir, "dataDir");
        corsAllowedOrigins = List.copyOf(corsAllowedOrigins);
        Objects.requireNonNull(routing, "routing");
        Objects.requireNonNull(connections, "connections");
        Objects.requireNonNull(live, "live");
        if (memoryBudgetBytes < 0) {
            throw new IllegalArgumentException("memory budget must be >= 0 (0 = automatic): " + memoryBudgetBytes);
        }
        if (host.isBlank()) {
            throw new IllegalArgumentException("host is blank");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of 0..65535: " + port);
        }
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("maxBodyBytes must be positive: " + maxBodyBytes);
        }
    }

    /** Settings with the default live-session behaviour. */
    public ServerSettings(String host, int port, Path dataDir, List<String> corsAllowedOrigins, int maxBodyBytes,
            long memoryBudgetBytes, RoutingSettings routing, ConnectionLimits connections) {
        this(host, port, dataDir, corsAllowedOrigins, maxBodyBytes, memoryBudgetBytes, routing, connections,
                io.edgenode.server.live.LiveSettings.DEFAULTS);
    }

    /** Settings with the default connection limits. */
    public ServerSettings(String host, int port, Path dataDir, List<String> corsAllowedOrigins, int maxBodyBytes,
            long memoryBudgetBytes, RoutingSettings routing) {
        this(host, port, dataDir, corsAllowedOrigins, maxBodyBytes, memoryBudgetBytes, routing,
                ConnectionLimits.DEFAULTS);
    }

    /** Settings with an automatic memory budget and default routing. */
    public ServerSettings(String host, int port, Path dataDir, List<String> corsAllowedOrigins, int maxBodyBytes) {
        this(host, port, dataDir, corsAllowedOrigins, maxBodyBytes, 0, RoutingSettings.DEFAULTS);
    }

    /** These settings with another memory budget (0: automatic). */
    public ServerSettings withMemoryBudget(long bytes) {
        return new ServerSettings(host, port, dataDir, corsAllowedOrigins, maxBodyBytes, bytes, routing, connections,
                live);
    }

    /** These settings with another data directory. */
    public ServerSettings withDataDir(Path dir) {
        return new ServerSettings(host, port, dir, corsAllowedOrigins, maxBodyBytes, memoryBudgetBytes, routing,
                connections, live);
    }

    /** The defaults, with {@code data_dir} resolved against {@code baseDir}. */
    public static ServerSettings defaults(Path baseDir) {
        return new ServerSettings(DEFAULT_HOST, DEFAULT_PORT, baseDir.resolve(DEFAULT_DATA_DIR).normalize(), List.of(),
                DEFAULT_MAX_BODY_BYTES);
    }
}
