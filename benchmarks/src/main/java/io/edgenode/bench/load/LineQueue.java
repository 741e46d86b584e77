package io.edgenode.bench.load;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * Written by the HTTP client's threads, read by one consumer thread: a response body's lines,
 * with a timeout on every wait, which lets a stalled stream end as an error instead of a blocked
 * read ({@code BodyHandlers.ofLines()} blocks without a bound). Lines are requested one at a time,
 * so at most one line and the terminal signal are ever queued (the queue is bounded).
 */
final class LineQueue implements Flow.Subscriber<String> {
    /** Signals that the body is over. */
    private static final Object END = new Object();

    private record Failure(Throwable cause) {}

    /** Thrown by {@link #next} when nothing arrived within the wait. */
    static final class StallException extends Exception {
        StallException(String message) {
            super(message);
        }
    }

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(4);
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (cancelled) {
            s.cancel();
        } else {
            s.request(1);
        }
    }

    @Override
    public void onNext(String line) {
        queue.offer(line);
    }

    @Override
    public void onError(Throwable t) {
        queue.offer(new Failure(t));
    }

    @Override
    public void onComplete() {
        queue.offer(END);
    }

    /** Fails the reader (e.g. the exchange failed before a body began). */
    void fail(Throwable t) {
        queue.offer(new Failure(t));
    }

    /**
     * The next line, or null at the end of the body.
     *
     * @throws StallException when none arrived within {@code timeoutNanos}
     * @throws IOException    when the body failed
     */
    String next(long timeoutNanos) throws IOException, InterruptedException, StallException {
        Object o = queue.poll(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS);
        if (o == null) {
            throw new StallException("no data for " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        }
        if (o == END) {
            queue.offer(END); // stays at the end for a later call
            return null;
        }
        if (o instanceof Failure f) {
            queue.offer(f);
            throw f.cause() instanceof IOException io ? io : new IOException(f.cause());
        }
        Flow.Subscription s = subscription;
        if (s != null) {
            s.request(1);
        }
        return (String) o;
    }

    /** Stops the body (closes the connection when the body was not read to its end). */
    void cancel() {
        cancelled = true;
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
