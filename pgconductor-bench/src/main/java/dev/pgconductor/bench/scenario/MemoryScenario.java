package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.util.Completions;
import dev.pgconductor.bench.util.Poll;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Scenario 16: the heap an orchestrator needs per 1,000 executions it holds, measured as the
 * difference of the heap in use after a full collection (the JVM's {@code System.gc()}, repeated
 * until it settles) with the executions held and with the orchestrator started but holding none.
 * Two variants: {@code --jobs} (at least {@value #MIN_HELD}) handlers running at once, each blocked
 * on a latch (concurrency set to that many); and as many executions claimed and waiting for a slot
 * behind one blocked handler (concurrency 1, claims of that many). Both with a payload of one small
 * record, as in the drains. The JVM runs every scenario, so only this difference is meaningful, not
 * the heap's size.
 */
public final class MemoryScenario implements Scenario {
  /** Heap per 1,000 running handlers. */
  public static final String RUNNING = "heap per 1k running";

  /** Heap per 1,000 claimed executions waiting for a slot. */
  public static final String CLAIMED = "heap per 1k claimed";

  @Override
  public int number() {
    return 16;
  }

  @Override
  public String title() {
    return "heap per held execution";
  }

  /**
   * Executions held at least, whatever {@code --jobs}: with fewer, the difference (a few hundred
   * KiB) is within what the heap moves between two settled readings.
   */
  static final int MIN_HELD = 5_000;

  @Override
  public List<Trial> trials(BenchContext context) {
    int jobs = Math.max(context.options().jobs(), MIN_HELD);
    return List.of(
        Trial.subject("running handlers", db -> run(db, jobs, true)),
        Trial.subject("claimed, not started", db -> run(db, jobs, false)));
  }

  static Measurement run(BenchDatabase db, int jobs, boolean running) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Completions started = new Completions();
    try (Conductor<Void> conductor = PgcHarness.conductor(db)) {
      var task =
          conductor.createTask(
              TaskOptions.of(PgcHarness.NOOP),
              Trigger.invocable(),
              (event, ctx) -> {
                started.done();
                release.await();
                return null;
              });
      WorkerConfig config =
          running
              ? WorkerConfig.builder().concurrency(jobs).fetchBatchSize(Math.min(jobs, 500)).build()
              : WorkerConfig.builder().concurrency(1).fetchBatchSize(jobs).build();
      try (Orchestrator orchestrator = PgcHarness.orchestrator(conductor, task, config)) {
        orchestrator.start();
        // the orchestrator's own threads, pools and the JIT's first compilations are in the base
        long base = settledHeap();
        PgcHarness.enqueue(conductor, jobs, 1_000);
        if (running) {
          started.await(jobs, PgcHarness.budget(jobs));
        } else {
          // one handler runs; the rest of the first claim and the next wait for its slot
          started.await(1, PgcHarness.budget(jobs));
          Poll.until(
              "the claims to hold " + jobs + " executions",
              () ->
                  db.queryLong(
                          "select count(*) from pgconductor.executions where locked_by is null")
                      == 0,
              Duration.ofMillis(10),
              PgcHarness.budget(jobs));
        }
        long held = settledHeap();
        release.countDown();
        String metric = running ? RUNNING : CLAIMED;
        return Measurement.of(
                new Sample(metric, "KiB", (held - base) / 1024.0 / jobs * 1_000, false))
            .withDetail("executions_held", jobs);
      }
    }
  }

  /** Heap in use after full collections, once two in a row agree within 1%. */
  private static long settledHeap() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    long last = Long.MAX_VALUE;
    for (int i = 0; i < 10; i++) {
      System.gc();
      Thread.sleep(50); // let reference processing and the collector's concurrent phases end
      long used = memory.getHeapMemoryUsage().getUsed();
      if (Math.abs(used - last) < last / 100) {
        return used;
      }
      last = used;
    }
    return last;
  }
}
