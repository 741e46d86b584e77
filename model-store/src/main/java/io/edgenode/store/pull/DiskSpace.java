package io.edgenode.store.pull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** How many bytes a folder's file store can still take; injectable so tests can fake a full disk. */
@FunctionalInterface
public interface DiskSpace {
    /** The real probe: {@link java.nio.file.FileStore#getUsableSpace()} of {@code dir}'s store. */
    DiskSpace FILE_STORE = dir -> Files.getFileStore(dir).getUsableSpace();

    long usableBytes(Path dir) throws IOException;
}
