package io.edgenode.store.pull;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where a model's bytes come from: {@code hf://owner/repo/path/file.gguf} (a Hugging Face repo file
 * on its {@code main} revision), {@code hf://owner/repo@rev/path/file.gguf} (on a branch, tag or
 * commit), or any {@code https://} (or {@code http://}, for LAN mirrors and tests) URL.
 *
 * @param spec the source as written
 * @param downloadUri the URL fetched; for {@code hf://} the endpoint's
 *     {@code /owner/repo/resolve/rev/path} URL
 * @param huggingFace whether {@code downloadUri} is on the Hugging Face endpoint's host (an
 *     {@code hf://} source, or a URL on that host or a subdomain of it): only such hosts receive
 *     the token
 */
public record ModelSource(String spec, URI downloadUri, boolean huggingFace) {
    /** Hugging Face's hub, used unless {@code HF_ENDPOINT} names another (a mirror). */
    public static final URI DEFAULT_HF_ENDPOINT = URI.create("https://huggingface.co");

    private static final String HF_SCHEME = "hf://";
    private static final Pattern REPO_PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    public ModelSource {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(downloadUri, "downloadUri");
    }

    /**
     * Parses a source against the Hugging Face endpoint from the environment variable
     * {@code HF_ENDPOINT} (as huggingface_hub reads it), else {@link #DEFAULT_HF_ENDPOINT}.
     *
     * @throws IllegalArgumentException when {@code spec} is not a source this class knows, with a
     *     message that says what is wrong
     */
    public static ModelSource parse(String spec) {
        String env = System.getenv("HF_ENDPOINT");
        URI endpoint = DEFAULT_HF_ENDPOINT;
        if (env != null && !env.isBlank()) {
            try {
                endpoint = endpoint(env.strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("HF_ENDPOINT: " + e.getMessage(), e);
            }
        }
        return parse(spec, endpoint);
    }

    /**
     * Parses a source; {@code hf://} sources resolve against {@code hfEndpoint} (an http(s) URL,
     * optionally with a path prefix).
     *
     * @throws IllegalArgumentException when {@code spec} is not a source this class knows
     */
    public static ModelSource parse(String spec, URI hfEndpoint) {
        Objects.requireNonNull(hfEndpoint, "hfEndpoint");
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("model source is empty: use hf://owner/repo/file.gguf or an https:// URL");
        }
        String s = spec.strip();
        URI endpoint = endpoint(hfEndpoint.toString());
        if (s.regionMatches(true, 0, HF_SCHEME, 0, HF_SCHEME.length())) {
            return new ModelSource(spec, huggingFaceUri(s, endpoint), true);
        }
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a valid URL: '" + s + "' (" + e.getReason() + ")", e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new IllegalArgumentException("unsupported model source '" + s
                    + "': use hf://owner/repo/file.gguf, hf://owner/repo@revision/file.gguf or an http(s):// URL");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException("URL has no host: '" + s + "'");
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("URL must not carry credentials: '" + s
                    + "' (for Hugging Face use the HF_TOKEN environment variable)");
        }
        return new ModelSource(spec, uri, isHostOrSubdomain(uri.getHost(), endpoint.getHost()));
    }

    /**
     * The file name the source ends in (its last path segment, decoded), for a default output path.
     *
     * @throws IllegalArgumentException when the URL's path has no usable last segment (such as
     *     {@code https://host/}); the caller must name the output then
     */
    public String fileName() {
        String path;
        if (spec.strip().regionMatches(true, 0, HF_SCHEME, 0, HF_SCHEME.length())) {
            path = spec.strip().substring(HF_SCHEME.length());
        } else {
            path = downloadUri.getPath() == null ? "" : downloadUri.getPath();
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('\\') >= 0
                || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("cannot derive a file name from '" + spec + "': name the output file");
        }
        return name;
    }

    /**
     * Whether a request to {@code uri} may carry the Hugging Face token: only for a Hugging Face
     * source, and only to its host or a subdomain of it. A redirect to a CDN on another host
     * (Hugging Face sends LFS files to one) must not receive it.
     */
    boolean mayReceiveToken(URI uri) {
        return huggingFace && uri.getHost() != null && isHostOrSubdomain(uri.getHost(), downloadUri.getHost());
    }

    private static URI huggingFaceUri(String s, URI endpoint) {
        String rest = s.substring(HF_SCHEME.length());
        String[] parts = rest.split("/", -1);
        if (parts.length < 3) {
            throw new IllegalArgumentException("hf:// source needs owner, repo and file: '" + s
                    + "' (expected hf://owner/repo/file.gguf)");
        }
        String owner = parts[0];
        String repo = parts[1];
        String revision = "main";
        int at = repo.indexOf('@');
        if (at >= 0) {
            revision = repo.substring(at + 1);
            repo = repo.substring(0, at);
            if (!REVISION.matcher(revision).matches()) {
                throw new IllegalArgumentException("invalid revision '" + revision + "' in '" + s
                        + "' (a branch, tag or commit: letters, digits, '.', '_', '-')");
            }
        }
        if (!REPO_PART.matcher(owner).matches() || !REPO_PART.matcher(repo).matches()) {
            throw new IllegalArgumentException("invalid Hugging Face repo '" + owner + "/" + repo + "' in '" + s + "'");
        }
        StringBuilder path = new StringBuilder();
        for (int i = 2; i < parts.length; i++) {
            String segment = parts[i];
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("invalid file path '" + String.join("/", java.util.Arrays.copyOfRange(parts, 2, parts.length))
                        + "' in '" + s + "' (empty, '.' or '..' segment)");
            }
            path.append('/').append(encodeSegment(segment));
        }
        String base = endpoint.toString();
        return URI.create(base + "/" + owner + "/" + repo + "/resolve/" + revision + path);
    }

    /** The endpoint as an absolute http(s) URI without a trailing slash. */
    private static URI endpoint(String text) {
        String t = text;
        while (t.endsWith("/")) {
            t = t.substring(0, t.length() - 1);
        }
        URI uri;
        try {
            uri = new URI(t);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid Hugging Face endpoint '" + text + "'", e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if ((!scheme.equals("https") && !scheme.equals("http")) || uri.getHost() == null) {
            throw new IllegalArgumentException("invalid Hugging Face endpoint '" + text + "': expected an http(s):// URL");
        }
        return uri;
    }

    private static boolean isHostOrSubdomain(String host, String base) {
        if (base == null) {
            return false;
        }
        String h = host.toLowerCase(Locale.ROOT);
        String b = base.toLowerCase(Locale.ROOT);
        return h.equals(b) || h.endsWith("." + b);
    }

    /** Percent-encodes a path segment: RFC 3986 unreserved characters pass, the rest as UTF-8. */
    private static String encodeSegment(String segment) {
        StringBuilder out = new StringBuilder(segment.length());
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }
}
