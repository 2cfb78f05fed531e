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
import dev.pgconductor.bench.scenario.PgcHarness.Noop;
import dev.pgconductor.bench.util.Percentiles;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Scenario 7: pickup latency of an idle worker with the default config (poll interval 1 s, so
 * wake-ups must come from LISTEN/NOTIFY): single invokes spaced out, each measured from just before
 * {@code invoke()} to the start of its handler. The worker is idle before every invoke: the next
 * one is sent 20–30 ms after the previous handler started.
 */
public final class PickupLatencyScenario implements Scenario {
  private static final int WARMUP = 20;

  @Override
  public int number() {
    return 7;
  }

  @Override
  public String title() {
    return "pickup latency, idle worker";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    int samples = context.options().latencySamples();
    return List.of(Trial.subject(samples + " invokes, default config", db -> run(db, samples)));
  }

  static Measurement run(BenchDatabase db, int samples) throws Exception {
    SynchronousQueue<Long> started = new SynchronousQueue<>();
    AtomicLong expecting = new AtomicLong(-1);
    try (Conductor<Void> conductor = PgcHarness.conductor(db)) {
      var task =
          conductor.createTask(
              TaskOptions.of(PgcHarness.NOOP),
              Trigger.invocable(),
              (event, ctx) -> {
                long now = System.nanoTime();
                if (event.payload().n() == expecting.get()) {
                  started.offer(now, 5, TimeUnit.SECONDS);
                }
                return null;
              });
      try (Orchestrator orchestrator =
          PgcHarness.orchestrator(conductor, task, WorkerConfig.DEFAULT)) {
        orchestrator.start();
        long[] latencies = new long[samples];
        for (int i = 0; i < WARMUP + samples; i++) {
          expecting.set(i);
          long t0 = System.nanoTime();
          conductor.invoke(PgcHarness.NOOP, new Noop(i));
          Long t1 = started.poll(10, TimeUnit.SECONDS);
          if (t1 == null) {
            throw new TimeoutException("invoke " + i + " was not picked up within 10 s");
          }
          if (i >= WARMUP) {
            latencies[i - WARMUP] = t1 - t0;
          }
          LockSupport.parkNanos(
              Duration.ofMillis(20 + ThreadLocalRandom.current().nextInt(10)).toNanos());
        }
        double mean = 0;
        for (long l : latencies) {
          mean += l / 1e6 / samples;
        }
        return Measurement.of(
                Sample.millis("pickup p50", Percentiles.percentile(latencies, 50) / 1e6),
                Sample.millis("pickup p99", Percentiles.percentile(latencies, 99) / 1e6))
            .withDetail("mean_ms", mean)
            .withDetail("max_ms", Percentiles.percentile(latencies, 100) / 1e6);
      }
    }
  }
}
