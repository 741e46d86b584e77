package io.edgenode.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One download's fan-out, driven as the fetcher drives it: watchers join, leave, and hear the end once. */
class ProgressBroadcasterTest {
    static final Path FILE = Path.of("models", "m.gguf");

    static FetchProgress downloading(long done) {
        return new FetchProgress("m", done, 100, FetchProgress.State.DOWNLOADING, Optional.empty());
    }

    static List<FetchProgress.State> states(List<FetchProgress> events) {
        return events.stream().map(FetchProgress::state).toList();
    }

    @Test
    void shouldKeepFeedingTheRemainingWatcherWhenTheOtherLeavesAndCompleteBoth() throws Exception {
        ProgressBroadcaster b = new ProgressBroadcaster("m");
        List<FetchProgress> first = new CopyOnWriteArrayList<>();
        List<FetchProgress> second = new CopyOnWriteArrayList<>();
        var leaving = b.subscribe(first::add);
        var staying = b.subscribe(second::add);
        b.progress(downloading(10));
        assertEquals(2, b.watcherCount());

        leaving.close();
        assertEquals(1, b.watcherCount(), "the watcher that left is dropped at once");
        b.progress(downloading(60));
        b.complete(FILE, 100);

        assertEquals(List.of(FetchProgress.State.STARTING, FetchProgress.State.DOWNLOADING), states(first));
        assertEquals(List.of(FetchProgress.State.STARTING, FetchProgress.State.DOWNLOADING,
                FetchProgress.State.DOWNLOADING, FetchProgress.State.DONE), states(second));
        assertEquals(60, second.get(2).bytesDone());
        assertEquals(100, second.getLast().bytesDone());
        assertEquals(FILE, leaving.result().get(1, TimeUnit.SECONDS), "the download's end reaches the one that left");
        assertEquals(FILE, staying.result().get(1, TimeUnit.SECONDS));
        assertEquals(0, b.watcherCount());
        assertEquals(Optional.empty(), b.current());
    }

    @Test
    void shouldReplayTheLastEventToALateWatcherAndSendOnlyTheBroadcastersOwnFinalEvent() {
        ProgressBroadcaster b = new ProgressBroadcaster("m");
        b.progress(downloading(40));
        List<FetchProgress> late = new CopyOnWriteArrayList<>();
        b.subscribe(late::add);
        assertEquals(List.of(downloading(40)), late);

        // the fetcher's own final event is not passed on; the failure below is, once
        b.progress(new FetchProgress("m", 100, 100, FetchProgress.State.DONE, Optional.empty()));
        b.fail(new IOException("sha256 differs"));
        b.complete(FILE, 100);
        b.progress(downloading(90));

        assertEquals(2, late.size(), late.toString());
        FetchProgress last = late.getLast();
        assertEquals(FetchProgress.State.FAILED, last.state());
        assertEquals(40, last.bytesDone(), "bytes done so far");
        assertEquals(Optional.of("sha256 differs"), last.error());
    }

    @Test
    void shouldUnsubscribeAWatcherWhoseResultIsCancelledWithoutCancellingTheDownload() throws Exception {
        ProgressBroadcaster b = new ProgressBroadcaster("m");
        List<FetchProgress> heard = new CopyOnWriteArrayList<>();
        var gone = b.subscribe(heard::add);
        var other = b.subscribe(p -> { });
        assertTrue(gone.result().cancel(false));
        assertEquals(1, b.watcherCount());

        b.progress(downloading(50));
        b.complete(FILE, 100);
        assertEquals(List.of(FetchProgress.State.STARTING), states(heard));
        assertEquals(FILE, other.result().get(1, TimeUnit.SECONDS));
    }

    @Test
    void shouldGiveASubscriberAfterTheEndTheFinalEventAndACompletedResult() {
        ProgressBroadcaster b = new ProgressBroadcaster("m");
        b.fail(new IOException("connection refused"));
        List<FetchProgress> heard = new CopyOnWriteArrayList<>();
        var s = b.subscribe(heard::add);

        assertEquals(List.of(FetchProgress.State.FAILED), states(heard));
        assertEquals(0, b.watcherCount(), "nothing left to hear");
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> s.result().get(1, TimeUnit.SECONDS));
        assertEquals("connection refused", e.getCause().getMessage());
    }

    @Test
    void shouldDropAWatcherThatThrowsAndKeepServingTheOthers() throws Exception {
        ProgressBroadcaster b = new ProgressBroadcaster("m");
        List<FetchProgress> heard = new CopyOnWriteArrayList<>();
        b.subscribe(heard::add);
        var broken = b.subscribe(p -> {
            if (p.state() == FetchProgress.State.DOWNLOADING) {
                throw new IllegalStateException("channel closed");
            }
        });
        b.progress(downloading(30));
        assertEquals(1, b.watcherCount());
        b.complete(FILE, 100);
        assertEquals(FetchProgress.State.DONE, heard.getLast().state());
        assertEquals(FILE, broken.result().get(1, TimeUnit.SECONDS));
        assertFalse(broken.result().isCompletedExceptionally());
    }
}
