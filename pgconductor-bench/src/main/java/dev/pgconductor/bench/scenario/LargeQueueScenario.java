package dev.pgconductor.bench.scenario;

import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.db.TimedDataSource;
import dev.pgconductor.bench.util.Completions;
import dev.pgconductor.bench.util.LatencyRecorder;
import java.io.PrintStream;
import java.text.NumberFormat;
import java.util.List;
import java.util.Locale;

/**
 * Scenario 8: claim latency and drain rate with a large queue vs a queue holding only the
 * executions to drain. Variant "only N queued": N executions. Variant "1,000,000 more queued": the
 * same N plus a backlog of 1,000,000 ready executions of the same task, loaded through {@code
 * invokeBatch} and followed by {@code VACUUM ANALYZE} (as autovacuum would have done on a queue
 * that grew over time; the small variant gets the same). Both then run the tuned worker until N
 * handlers ran. Claim latency is the engine's own claim round trip, timed at the JDBC statement
 * through a {@link TimedDataSource}.
 */
public final class LargeQueueScenario implements Scenario {
  static final String CLAIM_SQL = "pgconductor.claim(";
  static final String FLUSH_SQL = "pgconductor.flush(";

  @Override
  public int number() {
    return 8;
  }

  @Override
  public String title() {
    return "claim latency and drain, large queue";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    int jobs = context.options().jobs();
    int backlog = context.options().backlog();
    PrintStream log = context.log();
    NumberFormat f = NumberFormat.getIntegerInstance(Locale.ROOT);
    return List.of(
        Trial.subject("only " + f.format(jobs) + " queued", db -> run(db, jobs, 0, log)),
        Trial.subject(f.format(backlog) + " more queued", db -> run(db, jobs, backlog, log)));
  }

  static Measurement run(BenchDatabase db, int jobs, int backlog, PrintStream log)
      throws Exception {
    Completions completions = new Completions();
    try (HikariDataSource pool = db.pool("bench-timed", PgcHarness.POOL_SIZE)) {
      TimedDataSource timed = new TimedDataSource(pool, CLAIM_SQL, FLUSH_SQL);
      Conductor<Void> conductor = PgcHarness.conductor(timed);
      var task = PgcHarness.noopTask(conductor, completions);
      int total = jobs + backlog;
      long loadStart = System.nanoTime();
      for (int done = 0; done < total; done += 5_000) {
        conductor.invokeBatch(
            PgcHarness.NOOP, PgcHarness.invocations(done, Math.min(5_000, total - done)));
        if (backlog > 0 && (done / 5_000) % 40 == 39) {
          log.printf("      loaded %,d of %,d executions%n", done + 5_000, total);
        }
      }
      double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
      db.execute("vacuum analyze pgconductor.executions");
      LatencyRecorder claims = timed.recorder(CLAIM_SQL);
      LatencyRecorder flushes = timed.recorder(FLUSH_SQL);
      claims.reset();
      flushes.reset();
      Orchestrator orchestrator = PgcHarness.orchestrator(conductor, task, PgcHarness.TUNED);
      try {
        long t0 = System.nanoTime();
        orchestrator.start();
        completions.await(jobs, PgcHarness.budget(jobs));
        long elapsed = System.nanoTime() - t0;
        return Measurement.of(
                Sample.millis("claim p50", claims.percentileMillis(50)),
                Sample.millis("claim p99", claims.percentileMillis(99)),
                Sample.throughput(jobs, elapsed))
            .withDetail("claims", claims.count())
            .withDetail("claim_mean_ms", claims.meanMillis())
            .withDetail("flushes", flushes.count())
            .withDetail("flush_mean_ms", flushes.meanMillis())
            .withDetail("flush_p50_ms", flushes.percentileMillis(50))
            .withDetail("load_seconds", loadSeconds);
      } finally {
        orchestrator.close();
        conductor.close();
      }
    }
  }
}
