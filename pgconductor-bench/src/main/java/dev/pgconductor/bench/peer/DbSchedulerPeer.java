package dev.pgconductor.bench.peer;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.util.Completions;
import dev.pgconductor.bench.util.LoadDriver;
import dev.pgconductor.bench.util.Poll;
import dev.pgconductor.bench.util.Versions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * db-scheduler ({@code com.github.kagkarlsson:db-scheduler}) in this JVM, set up for throughput as
 * its README recommends: the {@code lock-and-fetch} polling strategy (one {@code UPDATE … SKIP
 * LOCKED … RETURNING} claims a batch), immediate execution for newly scheduled work, and a pool as
 * large as its executor threads. One-time tasks; a completed execution is deleted.
 */
public final class DbSchedulerPeer implements Peer {
  static final String NAME = "db-scheduler";
  private static final int THREADS = 16;
  private static final int POOL = THREADS + 2;

  private static final String TABLE_DDL = readDdl();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String settings() {
    return "db-scheduler "
        + version()
        + ": threads "
        + THREADS
        + ", pool "
        + POOL
        + ", pollUsingLockAndFetch(0.5, 1.0), polling interval 1 s, immediate execution";
  }

  @Override
  public Measurement run(Workload workload, BenchDatabase db) throws Exception {
    db.execute(TABLE_DDL);
    Completions completions;
    Semaphore credits = null;
    if (workload instanceof Workload.SteadyState s) {
      credits = new Semaphore(s.maxBacklog());
      completions = new Completions(credits);
    } else {
      completions = new Completions();
    }
    OneTimeTask<Integer> task =
        Tasks.oneTime("bench-noop", Integer.class).execute((instance, ctx) -> completions.done());
    try (HikariDataSource pool = db.pool("db-scheduler", POOL)) {
      SchedulerClient client = SchedulerClient.Builder.create(pool, task).build();
      return switch (workload) {
        case Workload.EnqueueSingle w ->
            LoadDriver.enqueueSingle(
                w.jobs(), w.callers(), n -> client.schedule(instance(task, n), Instant.now()));
        case Workload.EnqueueBatch w ->
            LoadDriver.enqueueBatch(
                w.jobs(), w.batchSize(), (from, count) -> scheduleBatch(client, task, from, count));
        case Workload.TwoStep w ->
            throw new IllegalArgumentException(
                "db-scheduler has no memoized steps (supports is false)");
        case Workload.Drain w -> drain(db, pool, task, client, completions, w.jobs());
        case Workload.SteadyState w -> {
          Scheduler scheduler = scheduler(pool, task);
          scheduler.start();
          try {
            yield LoadDriver.steadyState(
                w.duration(),
                w.batchSize(),
                credits,
                completions,
                (from, count) -> scheduleBatch(client, task, from, count));
          } finally {
            scheduler.stop();
          }
        }
      };
    }
  }

  private static Measurement drain(
      BenchDatabase db,
      HikariDataSource pool,
      OneTimeTask<Integer> task,
      SchedulerClient client,
      Completions completions,
      int jobs)
      throws Exception {
    for (int done = 0; done < jobs; done += 1_000) {
      scheduleBatch(client, task, done, Math.min(1_000, jobs - done));
    }
    Scheduler scheduler = scheduler(pool, task);
    try (Connection c = db.connect()) {
      long t0 = System.nanoTime();
      scheduler.start();
      Duration budget = Poll.budget(Duration.ofSeconds(60), jobs, 100);
      completions.await(jobs, budget);
      Poll.until(
          "db-scheduler to delete every execution",
          () -> BenchDatabase.queryLong(c, "select count(*) from scheduled_tasks") == 0,
          Duration.ofMillis(2),
          budget);
      return Measurement.of(Sample.throughput(jobs, System.nanoTime() - t0));
    } finally {
      scheduler.stop();
    }
  }

  private static Scheduler scheduler(HikariDataSource pool, OneTimeTask<Integer> task) {
    return Scheduler.create(pool, task)
        .threads(THREADS)
        .pollUsingLockAndFetch(0.5, 1.0)
        .pollingInterval(Duration.ofSeconds(1))
        .enableImmediateExecution()
        .shutdownMaxWait(Duration.ofSeconds(5))
        .build();
  }

  private static TaskInstance<Integer> instance(OneTimeTask<Integer> task, int n) {
    return task.instance("job-" + n, n);
  }

  private static void scheduleBatch(
      SchedulerClient client, OneTimeTask<Integer> task, int from, int count) {
    List<TaskInstance<?>> batch = new ArrayList<>(count);
    for (int i = from; i < from + count; i++) {
      batch.add(instance(task, i));
    }
    client.scheduleBatch(batch, Instant.now());
  }

  private static String version() {
    return Versions.of("db-scheduler");
  }

  private static String readDdl() {
    try (InputStream in =
        DbSchedulerPeer.class.getResourceAsStream(
            "/dev/pgconductor/bench/dbscheduler/postgresql_tables.sql")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("db-scheduler DDL missing from the bench jar", e);
    }
  }
}
