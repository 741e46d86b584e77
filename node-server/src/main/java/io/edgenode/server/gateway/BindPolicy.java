package io.edgenode.server.gateway;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Whether a node may serve without keys on the address it binds: keyless is the default only on
 * loopback. A node reachable from the network with no key would answer anyone, admin endpoints
 * included, so it refuses to start unless the operator says so ({@code gateway.allow_keyless_remote}).
 * Stateless.
 */
public final class BindPolicy {
    private BindPolicy() {}

    /** Null when serving is allowed; otherwise why not, for the operator. */
    public static String refusal(String host, boolean anyKeys, boolean allowKeylessRemote) {
        if (anyKeys || allowKeylessRemote || isLoopback(host)) {
            return null;
        }
        return "refusing to serve without API keys on " + host + ", which is reachable from other hosts: create a"
                + " key first (edgenode keys create --name NAME --admin), bind 127.0.0.1, or set"
                + " gateway.allow_keyless_remote: true in models.yaml to serve anyone who can reach the port";
    }

    static boolean isLoopback(String host) {
        try {
            InetAddress[] all = InetAddress.getAllByName(host);
            for (InetAddress a : all) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return all.length > 0;
        } catch (UnknownHostException e) {
            return false; // the bind will fail with its own error
        }
    }
}
