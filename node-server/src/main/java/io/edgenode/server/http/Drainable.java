package io.edgenode.server.http;

/** A response that writes while its channel is writable and resumes when it is again. Event-loop only. */
interface Drainable {
    /** Writes what is pending while the channel takes it (event loop). */
    void drain();
}
