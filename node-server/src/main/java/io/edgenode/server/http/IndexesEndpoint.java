package io.edgenode.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.edgenode.server.memory.MemoryException;
import io.edgenode.server.memory.MemoryJson;
import io.edgenode.server.memory.MemoryService;
import io.edgenode.server.openai.ApiError;
import io.edgenode.server.openai.ApiException;
import io.edgenode.server.openai.OpenAiJson;
import io.netty.handler.codec.http.HttpMethod;
import java.io.UncheckedIOException;
import java.util.concurrent.Executor;

/**
 * The vector index API (our extension, Vectorize-like): {@code POST|GET /v1/indexes},
 * {@code GET|DELETE /v1/indexes/{name}}, and {@code POST /v1/indexes/{name}/(upsert | insert |
 * query | get_by_ids | delete_by_ids)}. Every call runs on the blocking executor (virtual
 * threads): Lucene I/O, commits and embedding never touch the event loop. Thread-safe (stateless).
 */
final class IndexesEndpoint {
    static final String PREFIX = "/v1/indexes";
    private static final System.Logger LOG = System.getLogger(IndexesEndpoint.class.getName());

    private final MemoryService memory; // null: the node keeps no indexes
    private final Executor blocking;

    IndexesEndpoint(MemoryService memory, Executor blocking) {
        this.memory = memory;
        this.blocking = blocking;
    }

    /** Whether {@code path} belongs to this API. */
    static boolean handles(String path) {
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    void handle(HttpMethod method, String path, byte[] body, HttpExchange ex) {
        Offload.respond(blocking, ex, () -> {
            try {
                if (memory == null) {
                    throw new ApiException(ApiError.notFound(method.name(), path));
                }
                return route(method, path, body);
            } catch (MemoryException e) {
                throw new ApiException(toApiError(e));
            } catch (UncheckedIOException e) {
                LOG.log(System.Logger.Level.WARNING, "index I/O failed on " + path, e);
                throw new ApiException(ApiError.serverError("index storage failed: " + e.getCause().getMessage()));
            }
        });
    }

    private byte[] route(HttpMethod method, String path, byte[] body) {
        if (path.equals(PREFIX)) {
            if (method.equals(HttpMethod.POST)) {
                return MemoryJson.index(memory.create(OpenAiJson.readObject(body)));
            }
            if (method.equals(HttpMethod.GET)) {
                return MemoryJson.indexes(memory.list());
            }
            throw new ApiException(ApiError.methodNotAllowed(method.name(), path));
        }
        String rest = path.substring(PREFIX.length() + 1);
        int slash = rest.indexOf('/');
        String name = slash < 0 ? rest : rest.substring(0, slash);
        String action = slash < 0 ? null : rest.substring(slash + 1);
        if (name.isEmpty() || (action != null && (action.isEmpty() || action.contains("/")))) {
            throw new ApiException(ApiError.notFound(method.name(), path));
        }
        if (action == null) {
            if (method.equals(HttpMethod.GET)) {
                return MemoryJson.index(memory.info(name));
            }
            if (method.equals(HttpMethod.DELETE)) {
                memory.delete(name);
                return MemoryJson.deletedIndex(name);
            }
            throw new ApiException(ApiError.methodNotAllowed(method.name(), path));
        }
        boolean known = switch (action) {
            case "upsert", "insert", "query", "get_by_ids", "delete_by_ids" -> true;
            default -> false;
        };
        if (!known) {
            throw new ApiException(ApiError.notFound(method.name(), path));
        }
        if (!method.equals(HttpMethod.POST)) {
            throw new ApiException(ApiError.methodNotAllowed(method.name(), path));
        }
        JsonNode req = OpenAiJson.readObject(body);
        return switch (action) {
            case "upsert" -> MemoryJson.written(memory.write(name, req, false));
            case "insert" -> MemoryJson.written(memory.write(name, req, true));
            case "query" -> MemoryJson.query(memory.query(name, req));
            case "get_by_ids" -> MemoryJson.vectors(memory.getByIds(name, req));
            default -> MemoryJson.deletedVectors(memory.deleteByIds(name, req));
        };
    }

    static ApiError toApiError(MemoryException e) {
        int status = switch (e.kind()) {
            case INVALID -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case UNAVAILABLE -> 503;
        };
        String type = e.kind() == MemoryException.Kind.UNAVAILABLE ? ApiError.UNAVAILABLE : ApiError.INVALID_REQUEST;
        return new ApiError(status, type, e.code(), e.param(), e.getMessage());
    }
}
