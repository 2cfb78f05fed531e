package dev.pgconductor.bench.scenario;

import dev.pgconductor.bench.db.BenchDatabase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The worker JVMs of scenario 14: started and warmed up together, on a database of their own, when
 * a trial first needs them, then used by every trial until {@link #close()} (after the scenario's
 * last run, or after a drain that failed, which leaves them in no known state). A shutdown hook
 * kills them if the bench is stopped (Ctrl-C) while they live; and each exits by itself when its
 * stdin closes, which it does when this JVM dies in any way.
 */
final class WorkerPool implements AutoCloseable {
  /** Worker JVMs started: as many as the largest variant uses. */
  static final int SIZE = 4;

  private final int warmupRounds;
  private final int warmupJobs;
  private final List<WorkerProcess> workers = new CopyOnWriteArrayList<>();
  private Thread hook;

  /** A pool whose JVMs each warm up with {@code rounds} drains of {@code jobs} executions. */
  WorkerPool(int rounds, int jobs) {
    this.warmupRounds = rounds;
    this.warmupJobs = jobs;
  }

  /** Whether the worker JVMs run (started and warmed up). */
  boolean started() {
    return !workers.isEmpty();
  }

  /** The first {@code n} worker JVMs. */
  List<WorkerProcess> workers(int n) {
    if (workers.size() < n) {
      throw new IllegalStateException("the worker JVMs are not started");
    }
    return workers.subList(0, n);
  }

  /**
   * Starts the worker JVMs and waits until each has warmed up by itself on {@code db} (a database
   * for the warm-up only, which must stay until they are ready).
   */
  void start(BenchDatabase db) throws Exception {
    hook = new Thread(() -> workers.forEach(WorkerProcess::kill));
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      PgcHarness.conductor(db).close();
      List<String> args = List.of("rounds=" + warmupRounds, "jobs=" + warmupJobs);
      for (int i = 0; i < SIZE; i++) {
        workers.add(WorkerProcess.start(i, db.url(), args));
      }
      for (WorkerProcess worker : workers) {
        worker.await("ready", PgcHarness.budget((long) warmupRounds * warmupJobs * SIZE));
      }
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  /** Ends every worker JVM (destroying any that does not exit within seconds). */
  @Override
  public void close() {
    try {
      for (WorkerProcess worker : workers) {
        worker.close();
      }
    } finally {
      workers.clear();
      if (hook != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // shutting down already: the hook runs
        }
        hook = null;
      }
    }
  }
}
