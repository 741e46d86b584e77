package io.edgenode.server.workflow;

/** An event delivered before a {@code wait_event} asked for it, kept in the store. Immutable. */
record BufferedEvent(long id, String name, String payloadJson) {}
