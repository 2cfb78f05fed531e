package dev.pgconductor.internal.worker;

import dev.pgconductor.PgConductorException;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.ExecutionStore.StepRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of step results: handlers hand their step record over and wait; one thread writes
 * everything that queued up meanwhile in a single statement. An idle writer writes a lone step at
 * once, so this costs no latency, and under load many handlers share one round trip.
 */
final class StepWriter implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(StepWriter.class);
  private static final int MAX_BATCH = 1000;

  private record Request(StepRecord record, CompletableFuture<Boolean> held) {}

  private final ExecutionStore store;
  private final UUID orchestrator;
  private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
  private volatile boolean running = true;

  StepWriter(ExecutionStore store, UUID orchestrator) {
    this.store = store;
    this.orchestrator = orchestrator;
  }

  /**
   * Records a step; blocks until it is committed. Returns false when the lease was lost.
   *
   * @throws InterruptedException if the handler thread is interrupted while waiting
   */
  boolean record(StepRecord record) throws InterruptedException {
    var held = new CompletableFuture<Boolean>();
    queue.add(new Request(record, held));
    try {
      return held.get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw new PgConductorException(
          "Could not record step '" + record.name() + "': " + e.getCause().getMessage(),
          e.getCause());
    }
  }

  void stop() {
    running = false;
  }

  @Override
  public void run() {
    List<Request> batch = new ArrayList<>();
    while (running || !queue.isEmpty()) {
      try {
        Request first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        write(batch);
      } catch (InterruptedException e) {
        running = false;
      } finally {
        batch.clear();
      }
    }
  }

  private void write(List<Request> batch) {
    try {
      boolean[] held =
          store.recordSteps(orchestrator, batch.stream().map(Request::record).toList());
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).held().complete(held[i]);
      }
    } catch (Exception e) {
      LOG.warn("Could not record {} steps: {}", batch.size(), e.getMessage());
      batch.forEach(r -> r.held().completeExceptionally(e));
    }
  }
}
