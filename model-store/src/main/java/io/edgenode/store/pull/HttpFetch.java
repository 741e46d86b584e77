package io.edgenode.store.pull;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import javax.net.ssl.SSLException;

/**
 * One GET of a model source with redirects followed here rather than by the client, so that the
 * Hugging Face token goes only to the hosts {@link ModelSource#mayReceiveToken} allows (the JDK
 * client would resend every header to the CDN it is redirected to). Used by one {@link Download}
 * thread at a time.
 */
final class HttpFetch {
    static final int MAX_REDIRECTS = 10;
    private static final String USER_AGENT = "edgenode-pull/1";

    /** The response to a fetch: its body not yet read, and the URL that answered. */
    record Response(URI uri, HttpResponse<InputStream> http) {
        int status() {
            return http.statusCode();
        }

        Optional<String> header(String name) {
            return http.headers().firstValue(name);
        }

        void discard() {
            try {
                http.body().close();
            } catch (IOException ignored) {
                // Nothing to keep from an unwanted body.
            }
        }
    }

    /** Lets the download cancel a request that waits for its response headers. */
    interface ExchangeTracker {
        void track(CompletableFuture<?> exchange) throws PullException;
    }

    private final HttpClient client;
    private final Optional<String> token;

    HttpFetch(HttpClient client, Optional<String> token) {
        this.client = client;
        this.token = token;
    }

    /**
     * GETs {@code source}, following up to {@value #MAX_REDIRECTS} redirects.
     *
     * @param rangeStart the first byte wanted, sent as {@code Range: bytes=N-} when above zero
     *     (on every hop)
     * @param tracker told of each in-flight exchange, so that a cancel can abort it
     * @throws PullException OFFLINE when the host cannot be reached, IO for other transport
     *     failures; error statuses are returned, not thrown
     */
    Response get(ModelSource source, long rangeStart, ExchangeTracker tracker) throws PullException, InterruptedException {
        URI uri = source.downloadUri();
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().header("User-Agent", USER_AGENT);
            if (rangeStart > 0) {
                request.header("Range", "bytes=" + rangeStart + "-");
            }
            if (token.isPresent() && source.mayReceiveToken(uri)) {
                request.header("Authorization", "Bearer " + token.get());
            }
            HttpResponse<InputStream> response = send(request.build(), uri, tracker);
            int status = response.statusCode();
            if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
                return new Response(uri, response);
            }
            Response redirect = new Response(uri, response);
            redirect.discard();
            String location = redirect.header("Location").orElseThrow(() -> new PullException(PullException.Kind.HTTP_STATUS,
                    "HTTP " + status + " redirect without a Location header from " + redirect.uri(), status, null));
            URI next;
            try {
                next = uri.resolve(location.strip());
            } catch (IllegalArgumentException e) {
                throw new PullException(PullException.Kind.IO, "invalid redirect from " + uri + " to '" + location + "'", e);
            }
            String scheme = next.getScheme() == null ? "" : next.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http")) {
                throw new PullException(PullException.Kind.IO, "redirect from " + uri + " to an unsupported URL: " + next);
            }
            if (uri.getScheme().equalsIgnoreCase("https") && scheme.equals("http")) {
                throw new PullException(PullException.Kind.IO, "refusing a redirect from https to plain http: " + uri + " -> " + next);
            }
            uri = next;
        }
        throw new PullException(PullException.Kind.IO,
                "too many redirects (more than " + MAX_REDIRECTS + ") from " + source.downloadUri());
    }

    private HttpResponse<InputStream> send(HttpRequest request, URI uri, ExchangeTracker tracker)
            throws PullException, InterruptedException {
        CompletableFuture<HttpResponse<InputStream>> exchange =
                client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        tracker.track(exchange);
        try {
            return exchange.get();
        } catch (InterruptedException e) {
            exchange.cancel(true);
            throw e;
        } catch (CancellationException e) {
            throw new InterruptedException("request cancelled");
        } catch (ExecutionException e) {
            throw transportFailure(e.getCause(), uri);
        }
    }

    /** A transport failure as the user should read it: offline, or what failed where. */
    static PullException transportFailure(Throwable failure, URI uri) {
        String where = hostPort(uri);
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return new PullException(PullException.Kind.OFFLINE,
                        "cannot connect to " + where + " (" + uri + "): timed out; are you offline?", failure);
            }
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return new PullException(PullException.Kind.OFFLINE,
                        "cannot connect to " + where + " (" + uri + "): unknown host; are you offline?", failure);
            }
            if (t instanceof NoRouteToHostException) {
                return new PullException(PullException.Kind.OFFLINE,
                        "cannot connect to " + where + " (" + uri + "): no route to host; are you offline?", failure);
            }
            if (t instanceof ConnectException) {
                return new PullException(PullException.Kind.OFFLINE,
                        "cannot connect to " + where + " (" + uri + "): connection refused", failure);
            }
            if (t instanceof SSLException) {
                return new PullException(PullException.Kind.IO,
                        "TLS handshake with " + where + " failed (" + uri + "): " + t.getMessage(), failure);
            }
        }
        return new PullException(PullException.Kind.IO, "request to " + uri + " failed: " + describe(failure), failure);
    }

    /** The message for an error status, with a hint where one helps. */
    String statusMessage(ModelSource source, Response response) {
        int status = response.status();
        StringBuilder m = new StringBuilder("HTTP ").append(status);
        String reason = reasonPhrase(status);
        if (!reason.isEmpty()) {
            m.append(" (").append(reason).append(')');
        }
        m.append(" from ").append(response.uri());
        if (!response.uri().equals(source.downloadUri())) {
            m.append(" (redirected from ").append(source.downloadUri()).append(')');
        }
        if (source.huggingFace() && (status == 401 || status == 403)) {
            m.append(token.isPresent()
                    ? ": the token in HF_TOKEN has no access to this repo (gated: accept its terms on the repo page)"
                    : ": the repo is gated or private; set HF_TOKEN to a Hugging Face token with access");
        }
        return m.toString();
    }

    static String describe(Throwable t) {
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    private static String hostPort(URI uri) {
        return uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    }

    private static String reasonPhrase(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 410 -> "Gone";
            case 416 -> "Range Not Satisfiable";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "";
        };
    }
}
