package dev.pgconductor.internal.util;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Group commit: callers hand a request over and wait; one thread writes everything that queued up
 * meanwhile with one call of the writer, so many concurrent callers share one round trip and one
 * commit. An idle writer takes a lone request at once, so this adds no latency. The thread starts
 * with the first request; {@link #close()} writes what is queued, then ends it.
 *
 * @param <Q> a request
 * @param <A> the answer to one request
 */
public final class GroupCommit<Q, A> implements AutoCloseable {

  /** Writes a batch in one call; answers in the order of the requests. */
  @FunctionalInterface
  public interface Writer<Q, A> {
    List<A> write(List<Q> batch) throws Exception;
  }

  private record Pending<Q, A>(Q request, CompletableFuture<A> answer) {}

  private final String threadName;
  private final int maxBatch;
  private final Writer<Q, A> writer;
  private final LinkedBlockingQueue<Pending<Q, A>> queue = new LinkedBlockingQueue<>();
  private final Object startLock = new Object();
  private volatile Thread thread;
  private volatile boolean closed;

  public GroupCommit(String threadName, int maxBatch, Writer<Q, A> writer) {
    this.threadName = threadName;
    this.maxBatch = maxBatch;
    this.writer = writer;
  }

  /**
   * Writes the request with others and returns its answer once committed.
   *
   * @throws InterruptedException if the caller is interrupted while waiting (the request may still
   *     be written)
   * @throws ExecutionException if the write failed; its cause is the writer's exception
   */
  public A submit(Q request) throws InterruptedException, ExecutionException {
    return enqueue(request).get();
  }

  /** As {@link #submit}, without being interruptible; the writer's failure comes out unwrapped. */
  public A submitUninterruptibly(Q request) {
    try {
      return enqueue(request).join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw e;
    }
  }

  private CompletableFuture<A> enqueue(Q request) {
    if (closed) {
      throw new IllegalStateException(threadName + " is closed");
    }
    ensureStarted();
    var pending = new Pending<Q, A>(request, new CompletableFuture<>());
    queue.add(pending);
    return pending.answer();
  }

  /** Stops taking requests, writes those queued, and waits (up to 10 s) for the thread to end. */
  @Override
  public void close() {
    closed = true;
    Thread t = thread;
    if (t != null) {
      try {
        t.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Pending<Q, A> left;
    while ((left = queue.poll()) != null) {
      left.answer().completeExceptionally(new IllegalStateException(threadName + " is closed"));
    }
  }

  private void ensureStarted() {
    if (thread == null) {
      synchronized (startLock) {
        if (thread == null) {
          thread = Thread.ofPlatform().name(threadName).daemon().start(this::run);
        }
      }
    }
  }

  private void run() {
    List<Pending<Q, A>> batch = new ArrayList<>();
    while (!closed || !queue.isEmpty()) {
      try {
        Pending<Q, A> first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, maxBatch - 1);
        write(batch);
      } catch (InterruptedException e) {
        closed = true;
      } finally {
        batch.clear();
      }
    }
  }

  private void write(List<Pending<Q, A>> batch) {
    try {
      List<A> answers = writer.write(batch.stream().map(Pending::request).toList());
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).answer().complete(answers.get(i));
      }
    } catch (Throwable e) {
      batch.forEach(p -> p.answer().completeExceptionally(e));
    }
  }
}
