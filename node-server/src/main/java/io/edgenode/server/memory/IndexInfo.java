package io.edgenode.server.memory;

/** An index as {@code GET /v1/indexes/{name}} describes it: its spec and how many vectors it holds. */
public record IndexInfo(IndexSpec spec, int vectorCount) {}
