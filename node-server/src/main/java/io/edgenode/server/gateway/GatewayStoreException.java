package io.edgenode.server.gateway;

/** The gateway's database cannot be opened, read or written. */
public final class GatewayStoreException extends RuntimeException {
    public GatewayStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
