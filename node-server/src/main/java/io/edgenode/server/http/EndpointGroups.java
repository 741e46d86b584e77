package io.edgenode.server.http;

import io.edgenode.server.gateway.EndpointGroup;

/** Which endpoint group a path belongs to, for key scopes; null for the open probes. Stateless. */
final class EndpointGroups {
    private EndpointGroups() {}

    static EndpointGroup of(String path) {
        if (path.equals("/health") || path.equals("/ready")) {
            return null; // load balancers and orchestrators probe without keys
        }
        if (ConsoleFiles.isConsolePath(path)) {
            return null; // the console's static files load before a key is typed; its API calls carry the key
        }
        if (path.equals("/metrics") || path.equals("/admin") || path.startsWith("/admin/")) {
            return EndpointGroup.ADMIN;
        }
        if (path.equals("/v1/sessions") || path.startsWith("/v1/sessions/")) {
            return EndpointGroup.SESSIONS;
        }
        return EndpointGroup.INFERENCE; // unknown paths too: a 404 only after the key is checked
    }
}
