package io.edgenode.server.http;

import io.edgenode.server.config.ConnectionLimits;
import io.edgenode.server.config.GatewaySettings;
import io.edgenode.server.gateway.BindPolicy;
import io.edgenode.server.gateway.Gateway;
import io.edgenode.server.session.ModelDigests;
import io.edgenode.server.config.ServerSettings;
import io.edgenode.server.memory.MemoryService;
import io.edgenode.server.metrics.ServerMetrics;
import io.edgenode.server.node.ModelHost;
import io.edgenode.server.session.SessionService;
import io.edgenode.server.session.SessionTurns;
import io.edgenode.server.live.LiveHub;
import io.edgenode.server.live.LiveSettings;
import io.edgenode.server.live.LiveMessages;
import io.edgenode.server.jobs.Jobs;
import io.edgenode.server.workflow.Workflows;
import io.netty.handler.timeout.IdleStateHandler;
import io.edgenode.server.openai.ApiError;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The node's HTTP server: Netty 4.2 with epoll when available (NIO otherwise), HTTP/1.1
 * keep-alive, bodies aggregated up to a limit (over it: 413 in OpenAI's error shape). Event loops
 * only parse HTTP and write; everything that blocks runs on virtual threads.
 */
public final class HttpNode implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HttpNode.class.getName());
    /** Handler names in a connection's pipeline (a WebSocket upgrade swaps some of them). */
    static final String IDLE = "idle";
    static final String DEADLINE_BYTES = "deadline-bytes";
    static final String DEADLINE_MESSAGES = "deadline-messages";
    static final String ROUTER = "router";

    private final EventLoopGroup group;
    private final ExecutorService blocking;
    private final Channel serverChannel;
    private final ModelHost host;
    private final SessionService sessions;
    private final MemoryService memory;
    private final Gateway gateway;

    private final LiveHub hub; // null: no sessions
    private final Jobs jobs;   // null: no sessions
    private final Workflows workflows; // null: no sessions
    private final WorkflowSteps workflowSteps;

    private HttpNode(EventLoopGroup group, ExecutorService blocking, Channel serverChannel, ModelHost host,
            SessionService sessions, MemoryService memory, Gateway gateway, LiveHub hub, Jobs jobs, Workflows workflows,
            WorkflowSteps workflowSteps) {
        this.workflows = workflows;
        this.workflowSteps = workflowSteps;
        this.hub = hub;
        this.jobs = jobs;
        this.memory = memory;
        this.gateway = gateway;
        this.group = group;
        this.blocking = blocking;
        this.serverChannel = serverChannel;
        this.host = host;
        this.sessions = sessions;
    }

    /** Binds {@code settings.host():settings.port()} (port 0: an ephemeral port) and starts serving. */
    public static HttpNode start(ServerSettings settings, ModelHost host, ServerMetrics metrics) throws InterruptedException {
        return start(settings, host, metrics, null);
    }

    /**
     * Like {@link #start(ServerSettings, ModelHost, ServerMetrics)}, with sessions kept by
     * {@code sessions} (null: none; the node then answers the sessions API with 404). The node
     * closes {@code sessions} when it shuts down, after the engines drained.
     */
    public static HttpNode start(ServerSettings settings, ModelHost host, ServerMetrics metrics,
            SessionService sessions) throws InterruptedException {
        return start(settings, host, metrics, sessions, ex -> { });
    }

    /**
     * As {@link #start(ServerSettings, ModelHost, ServerMetrics, SessionService)}, with vector
     * indexes served by {@code memory} (null: none; {@code /v1/indexes} answers 404). The node
     * closes {@code memory} when it shuts down.
     */
    public static HttpNode start(ServerSettings settings, ModelHost host, ServerMetrics metrics,
            SessionService sessions, MemoryService memory) throws InterruptedException {
        return start(settings, host, metrics, sessions, memory, ex -> { });
    }

    /**
     * As {@link #start(ServerSettings, ModelHost, ServerMetrics, SessionService)}; {@code observer}
     * sees every exchange as it begins (on its event loop). Tests use it to hold weak references.
     */
    static HttpNode start(ServerSettings settings, ModelHost host, ServerMetrics metrics, SessionService sessions,
            Consumer<HttpExchange> observer) throws InterruptedException {
        return start(settings, host, metrics, sessions, null, observer);
    }

    static HttpNode start(ServerSettings settings, ModelHost host, ServerMetrics metrics, SessionService sessions,
            MemoryService memory, Consumer<HttpExchange> observer) throws InterruptedException {
        Gateway gateway = Gateway.keyless(GatewaySettings.DEFAULTS, sessions != null ? sessions.digests()
                : new ModelDigests(settings.dataDir()), host::spec);
        return start(settings, host, metrics, sessions, memory, gateway, observer);
    }

    /**
     * The whole node: as {@link #start(ServerSettings, ModelHost, ServerMetrics, SessionService, MemoryService)}
     * behind {@code gateway} (keys, limits, budgets, ledger, cache), which the node closes when it
     * shuts down, after the engines drained (the ledger writes the last rows).
     *
     * @throws IllegalStateException the node would serve without keys on an address other hosts reach
     *     (see {@link BindPolicy})
     */
    public static HttpNode start(ServerSettings settings, ModelHost host, ServerMetrics metrics,
            SessionService sessions, MemoryService memory, Gateway gateway) throws InterruptedException {
        return start(settings, host, metrics, sessions, memory, gateway, ex -> { });
    }

    static HttpNode start(ServerSettings settings, ModelHost host, ServerMetrics metrics, SessionService sessions,
            MemoryService memory, Gateway gateway, Consumer<HttpExchange> observer) throws InterruptedException {
        return start(settings, host, metrics, sessions, memory, gateway, observer, settings.live());
    }

    static HttpNode start(ServerSettings settings, ModelHost host, ServerMetrics metrics, SessionService sessions,
            MemoryService memory, Gateway gateway, Consumer<HttpExchange> observer, LiveSettings live)
            throws InterruptedException {
        String refusal = BindPolicy.refusal(settings.host(), gateway.requiresKeys(), gateway.allowsKeylessRemote());
        if (refusal != null) {
            throw new IllegalStateException(refusal);
        }
        metrics.registerMemory(host::budgetBytes, host::reservedBytes);
        boolean epoll = Epoll.isAvailable();
        int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads,
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Class<? extends ServerChannel> channelClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        ExecutorService blocking = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("edgenode-request-", 0).factory());
        var router = new io.edgenode.server.node.ModelRouter(host, host.routing(),
                io.edgenode.server.node.ModelRouter.DEFAULT_LOAD_WAIT);
        LiveHub hub = sessions == null ? null : new LiveHub(live);
        GenerationPipeline pipeline = new GenerationPipeline(router, metrics, blocking, gateway,
                hub == null ? null : new LiveTurns(hub));
        var outputs = new io.edgenode.server.pipeline.ChatOutputs();
        GenerationEndpoint generation = new GenerationEndpoint(pipeline,
                sessions == null ? null : new SessionTurns(sessions, blocking, outputs), outputs, memory);
        var states = sessions == null ? null : new io.edgenode.server.session.SessionStates(sessions::store);
        java.util.function.BiConsumer<String, io.edgenode.server.session.SessionState> stateChanged = (id, st) -> {
            if (hub != null) {
                hub.existing(id).ifPresent(s -> s.broadcast(LiveMessages.state(id, st.version(), st.json())));
            }
        };
        ScheduledTurns scheduledTurns = new ScheduledTurns(generation, sessions, gateway, group, blocking, metrics);
        Jobs jobs = sessions == null ? null : Jobs.start(sessions.settings().dataDir(), host.jobSettings(),
                scheduledTurns::run, metrics.jobMetrics(),
                (schedule, run, result) -> hub.existing(schedule.sessionId()).ifPresent(l -> l.broadcast(
                        LiveMessages.scheduleRun(schedule.sessionId(), schedule.id(), run.runId(), run.attempt(),
                                result.succeeded(), result.error()))));
        WorkflowSteps workflowSteps = sessions == null ? null : new WorkflowSteps(scheduledTurns, host.jobSettings());
        Workflows workflows = sessions == null ? null : Workflows.start(sessions.settings().dataDir(),
                host.jobSettings()::allowsWebhook, id -> sessionExists(sessions, id), workflowSteps,
                new WorkflowEvents(hub, metrics));
        SessionsEndpoint sessionsApi = new SessionsEndpoint(host, sessions, blocking, memory, stateChanged,
                id -> {
                    if (hub != null) {
                        hub.deleted(id);
                    }
                    if (workflows != null) {
                        workflows.sessionDeleted(id);
                    }
                    if (jobs != null) {
                        try {
                            jobs.sessionDeleted(id);
                        } catch (io.edgenode.server.jobs.ScheduleStoreException e) {
                            throw new io.edgenode.server.openai.ApiException(io.edgenode.server.openai.ApiError
                                    .serverError("session deleted, but not its schedules: " + e.getMessage()));
                        }
                    }
                }, jobs == null ? null : new SchedulesEndpoint(jobs, sessions));
        LiveEndpoint liveEndpoint = hub == null ? null : new LiveEndpoint(sessions, hub, blocking, metrics,
                new LiveSocket.Node() {
                    @Override
                    public void chat(byte[] body, HttpExchange ex) {
                        generation.chat(body, ex);
                    }

                    @Override
                    public void changeState(String sessionId, boolean patch,
                            com.fasterxml.jackson.databind.JsonNode value, long expectedVersion) {
                        stateChanged.accept(sessionId, SessionStateEndpoint.change(states, sessionId, !patch, value,
                                expectedVersion, current -> { }));
                    }
                }, id -> {
                    var st = io.edgenode.server.session.SessionErrors.call(() -> states.get(id));
                    return new Object[] {st.version(), st.json()};
                });
        AdminEndpoint admin = new AdminEndpoint(host, blocking);
        IndexesEndpoint indexes = new IndexesEndpoint(memory, blocking);
        EmbeddingsEndpoint embeddings = new EmbeddingsEndpoint(host, blocking);
        Cors cors = new Cors(settings.corsAllowedOrigins());
        ConsoleFiles console = ConsoleFiles.fromClasspath();
        WorkflowsEndpoint workflowsApi = new WorkflowsEndpoint(workflows, blocking);
        if (gateway.cache() != null) {
            host.specs().forEach(gateway::modelDigest); // cache keys need each file's digest: hash them now
        }
        AdminKeysEndpoint keys = gateway.keys() == null ? null : new AdminKeysEndpoint(gateway.keys(), blocking);
        AdminUsageEndpoint usage = gateway.usage() == null ? null : new AdminUsageEndpoint(gateway.usage(), blocking,
                java.time.InstantSource.system(), gateway::flushLedger);
        int maxBody = settings.maxBodyBytes();
        ConnectionLimits limits = settings.connections();
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(channelClass)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 128 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ReadDeadlines deadlines = new ReadDeadlines(limits.headerTimeout(), limits.bodyTimeout());
                        ch.pipeline().addLast(IDLE, new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(),
                                TimeUnit.MILLISECONDS));
                        ch.pipeline().addLast(DEADLINE_BYTES, deadlines.bytes());
                        ch.pipeline().addLast("http", new HttpServerCodec(4096, 16 * 1024, 16 * 1024));
                        ch.pipeline().addLast(DEADLINE_MESSAGES, deadlines.messages());
                        ch.pipeline().addLast("aggregator", new LimitedAggregator(maxBody));
                        ch.pipeline().addLast(ROUTER, new RequestRouter(host, metrics, generation, sessionsApi, admin,
                                embeddings, indexes, cors, limits, observer, gateway, usage, keys, liveEndpoint,
                                console, workflowsApi));
                    }
                });
        try {
            Channel server = b.bind(new InetSocketAddress(settings.host(), settings.port())).sync().channel();
            LOG.log(System.Logger.Level.INFO, "listening on {0} ({1})", server.localAddress(), epoll ? "epoll" : "nio");
            return new HttpNode(group, blocking, server, host, sessions, memory, gateway, hub, jobs, workflows,
                    workflowSteps);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            blocking.shutdownNow();
            if (hub != null) {
                hub.close();
            }
            if (jobs != null) {
                jobs.close();
            }
            if (workflows != null) {
                workflows.close();
                workflowSteps.close();
            }
            throw e;
        }
    }

    /** Whether session {@code id} exists (a workflow's turn steps need it); false when the store is down. */
    private static boolean sessionExists(SessionService sessions, String id) {
        try {
            return sessions.store().get(id).isPresent();
        } catch (io.edgenode.server.session.SessionStoreException e) {
            return false;
        }
    }

    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /**
     * Graceful stop: no new connections, in-flight generations may finish until {@code deadline}
     * (then they are cancelled), models freed, event loops stopped. True when all finished in time.
     */
    public boolean shutdown(Duration deadline) {
        serverChannel.close().syncUninterruptibly();
        if (jobs != null) {
            jobs.stopScheduling(); // no run starts during the drain (a later start runs what falls due)
        }
        boolean drained = host.shutdown(deadline);
        if (hub != null) {
            hub.close(); // after the engines: the last turns reached their clients' queues
        }
        blocking.shutdown();
        try {
            // Session turns that finished during the drain are being stored; their final chunks follow.
            blocking.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // Let the last chunks of finished streams reach their sockets before the loops stop.
        group.shutdownGracefully(100, 2000, TimeUnit.MILLISECONDS).syncUninterruptibly();
        blocking.shutdownNow();
        if (jobs != null) {
            jobs.close(); // after the engines and request threads: running actions have recorded their ends
        }
        if (workflows != null) {
            workflows.close(); // a step still in flight is re-run at the next start (its idempotency key kept)
            workflowSteps.close();
        }
        if (sessions != null) {
            sessions.close(); // after the engines: their last turns' snapshots are queued by now
        }
        if (memory != null) {
            memory.close(); // after the request threads: every acknowledged write is committed
        }
        gateway.close(); // after the engines and request threads: their ledger rows are queued by now
        return drained;
    }

    @Override
    public void close() {
        shutdown(Duration.ZERO);
    }

    /**
     * Aggregates bodies up to the limit and answers anything larger with an OpenAI-shaped 413.
     * The connection closes only after the rest of the oversized body has been read (and
     * discarded by the aggregator): closing with unread bytes makes the kernel reset the
     * connection, and the client would lose the 413 it has not read yet.
     */
    private static final class LimitedAggregator extends HttpObjectAggregator {
        private final int limit;
        private boolean closeAfterBody;

        LimitedAggregator(int limit) {
            super(limit);
            this.limit = limit;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            var response = HttpResponses.error(ApiError.bodyTooLarge(limit));
            response.headers().set(io.netty.handler.codec.http.HttpHeaderNames.CONNECTION,
                    io.netty.handler.codec.http.HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response);
            closeAfterBody = true;
            // A client that never finishes its upload is not waited for.
            ctx.executor().schedule(() -> ctx.close(), 10, TimeUnit.SECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            boolean last = msg instanceof io.netty.handler.codec.http.LastHttpContent;
            super.channelRead(ctx, msg);
            if (closeAfterBody && last) {
                ctx.close();
            }
        }
    }
}
