package io.edgenode.bench.load;

/** Why a request failed, as counted in reports ({@link RequestResult#errorKey()}). */
public enum ErrorKind {
    /** No connection, no headers, a body that stopped, or a request past its total bound ({@link Timeouts}). */
    TIMEOUT,
    /** The connection was refused or broke before a response (an I/O error). */
    CONNECT,
    /** A status other than 200 (reported as {@code http_<status>}). */
    HTTP,
    /** An SSE {@code error} event in the middle of a stream. */
    STREAM_ERROR,
    /** A body that does not follow the protocol: bad JSON, no {@code [DONE]}, no choices. */
    PROTOCOL,
    /** Creating the conversation's session failed (its turns were not sent). */
    SESSION
}
