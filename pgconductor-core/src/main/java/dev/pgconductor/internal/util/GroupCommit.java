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
  private final Object lock = new Object();
  private Thread thread; // guarded by lock
  private volatile boolean closed; // set under lock

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

  /**
   * As {@link #submit}, without being interruptible; the writer's unchecked failure comes out
   * unwrapped (a checked one in a {@link CompletionException}).
   */
  public A submitUninterruptibly(Q request) {
    try {
      return enqueue(request).join();
    } catch (CompletionException e) {
      switch (e.getCause()) {
        case RuntimeException runtime -> throw runtime;
        case Error error -> throw error;
        default -> throw e;
      }
    }
  }

  private CompletableFuture<A> enqueue(Q request) {
    var pending = new Pending<Q, A>(request, new CompletableFuture<>());
    // under the lock, so a request is either refused or queued before close() marks the end:
    // the thread writes everything queued before it ends
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException(threadName + " is closed");
      }
      if (thread == null) {
        thread = Thread.ofPlatform().name(threadName).daemon().start(this::run);
      }
      queue.add(pending);
    }
    return pending.answer();
  }

  /** Requests queued and not yet taken by a write. */
  int queued() {
    return queue.size();
  }

  /** Stops taking requests, writes those queued, and waits (up to 10 s) for the thread to end. */
  @Override
  public void close() {
    Thread t;
    synchronized (lock) {
      closed = true;
      t = thread;
    }
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
        synchronized (lock) {
          closed = true;
        }
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
