package dev.pgconductor.internal;

import dev.pgconductor.PgConductorException;
import dev.pgconductor.internal.db.ExecutionStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Group commit for single invokes: callers hand their (already validated) execution over and wait;
 * one thread stores everything that queued up meanwhile with one {@code pgconductor.invoke} call
 * per task, one round trip and one commit for many callers. A lone caller is sent at once, so this
 * adds no latency; under many concurrent callers it turns their commits into one.
 */
public final class InvokeCoalescer implements AutoCloseable {
  private static final int MAX_BATCH = 1000;

  /** One execution to store, and where its id goes. */
  public record Row(
      String task,
      String queue,
      UUID id,
      String payloadJson,
      String dedupeKey,
      int priority,
      String runAt,
      CompletableFuture<UUID> stored) {}

  private final ExecutionStore store;
  private final LinkedBlockingQueue<Row> queue = new LinkedBlockingQueue<>();
  private final Object startLock = new Object();
  private volatile Thread thread;
  private volatile boolean closed;

  public InvokeCoalescer(ExecutionStore store) {
    this.store = store;
  }

  /** Stores the row (with others that arrived meanwhile) and returns its id once committed. */
  public UUID invoke(Row row) {
    if (closed) {
      throw new PgConductorException("The Conductor is closed");
    }
    ensureStarted();
    queue.add(row);
    try {
      return row.stored().join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw e;
    }
  }

  @Override
  public void close() {
    closed = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
      try {
        t.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Row row;
    while ((row = queue.poll()) != null) {
      row.stored().completeExceptionally(new PgConductorException("The Conductor is closed"));
    }
  }

  private void ensureStarted() {
    if (thread == null) {
      synchronized (startLock) {
        if (thread == null) {
          thread = Thread.ofPlatform().name("pgconductor-invoker").daemon().start(this::run);
        }
      }
    }
  }

  private void run() {
    List<Row> batch = new ArrayList<>();
    while (!closed) {
      try {
        Row first = queue.poll(1, TimeUnit.SECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        Map<String, List<Row>> byTask = new LinkedHashMap<>();
        for (Row row : batch) {
          byTask.computeIfAbsent(row.task() + '\n' + row.queue(), k -> new ArrayList<>()).add(row);
        }
        byTask.values().forEach(this::store);
      } catch (InterruptedException e) {
        break;
      } finally {
        batch.clear();
      }
    }
  }

  private void store(List<Row> rows) {
    int n = rows.size();
    UUID[] ids = new UUID[n];
    String[] payloads = new String[n];
    String[] keys = new String[n];
    Integer[] priorities = new Integer[n];
    String[] runAts = new String[n];
    for (int i = 0; i < n; i++) {
      Row row = rows.get(i);
      ids[i] = row.id();
      payloads[i] = row.payloadJson();
      keys[i] = row.dedupeKey();
      priorities[i] = row.priority();
      runAts[i] = row.runAt();
    }
    try {
      Row first = rows.getFirst();
      List<UUID> stored =
          store.invoke(first.task(), first.queue(), ids, payloads, keys, priorities, runAts, null);
      for (int i = 0; i < n; i++) {
        rows.get(i).stored().complete(stored.get(i));
      }
    } catch (RuntimeException e) {
      rows.forEach(row -> row.stored().completeExceptionally(e));
    }
  }
}
