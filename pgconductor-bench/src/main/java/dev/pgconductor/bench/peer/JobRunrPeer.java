package dev.pgconductor.bench.peer;

import static org.jobrunr.server.BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration;

import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.util.Completions;
import dev.pgconductor.bench.util.LoadDriver;
import dev.pgconductor.bench.util.Poll;
import dev.pgconductor.bench.util.Versions;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.stream.IntStream;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;

/**
 * JobRunr (open-source {@code org.jobrunr:jobrunr}) in this JVM with its PostgreSQL storage
 * provider, set up for throughput as its documentation suggests: the default worker count (scaled
 * to the CPU count), the shortest poll interval it accepts (5 s; the default is 15 s), and {@code
 * enqueue(Stream, …)} for batches. Jobs are lambdas calling {@link JobRunrJobs#noop}.
 */
public final class JobRunrPeer implements Peer {
  static final String NAME = "jobrunr";
  private static final int POOL = 10;
  private static final Duration POLL = Duration.ofSeconds(5);

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String settings() {
    return "JobRunr "
        + Versions.of("jobrunr")
        + ": default worker count, poll interval "
        + POLL.toSeconds()
        + " s, pool "
        + POOL
        + ", Jackson mapper";
  }

  @Override
  public Measurement run(Workload workload, BenchDatabase db) throws Exception {
    Completions completions;
    Semaphore credits = null;
    if (workload instanceof Workload.SteadyState s) {
      credits = new Semaphore(s.maxBacklog());
      completions = new Completions(credits);
    } else {
      completions = new Completions();
    }
    JobRunrJobs.countInto(completions);
    BackgroundJobServerConfiguration server =
        usingStandardBackgroundJobServerConfiguration().andPollInterval(POLL);
    try (HikariDataSource pool = db.pool("jobrunr", POOL)) {
      JobScheduler scheduler =
          JobRunr.configure()
              .useJsonMapper(new JacksonJsonMapper())
              .useStorageProvider(new PostgresStorageProvider(pool))
              .useBackgroundJobServer(server, false)
              .initialize()
              .getJobScheduler();
      try {
        return switch (workload) {
          case Workload.EnqueueSingle w ->
              LoadDriver.enqueueSingle(
                  w.jobs(), w.callers(), n -> scheduler.enqueue(() -> JobRunrJobs.noop(n)));
          case Workload.EnqueueBatch w ->
              LoadDriver.enqueueBatch(
                  w.jobs(), w.batchSize(), (from, count) -> enqueueMany(scheduler, from, count));
          case Workload.TwoStep w ->
              throw new IllegalArgumentException(
                  "JobRunr has no memoized steps (supports is false)");
          case Workload.Drain w -> drain(db, scheduler, completions, w.jobs());
          case Workload.SteadyState w -> {
            JobRunr.getBackgroundJobServer().start();
            yield LoadDriver.steadyState(
                w.duration(),
                w.batchSize(),
                credits,
                completions,
                (from, count) -> enqueueMany(scheduler, from, count));
          }
        };
      } finally {
        JobRunr.destroy();
      }
    }
  }

  private static Measurement drain(
      BenchDatabase db, JobScheduler scheduler, Completions completions, int jobs)
      throws Exception {
    for (int done = 0; done < jobs; done += 1_000) {
      enqueueMany(scheduler, done, Math.min(1_000, jobs - done));
    }
    try (Connection c = db.connect()) {
      long t0 = System.nanoTime();
      JobRunr.getBackgroundJobServer().start();
      Duration budget = Poll.budget(Duration.ofSeconds(60), jobs, 100);
      completions.await(jobs, budget);
      Poll.until(
          "JobRunr to mark every job succeeded",
          () ->
              BenchDatabase.queryLong(
                      c, "select count(*) from jobrunr_jobs where state <> 'SUCCEEDED'")
                  == 0,
          Duration.ofMillis(2),
          budget);
      return Measurement.of(Sample.throughput(jobs, System.nanoTime() - t0));
    }
  }

  private static void enqueueMany(JobScheduler scheduler, int from, int count) {
    scheduler.enqueue(IntStream.range(from, from + count).boxed(), n -> JobRunrJobs.noop(n));
  }
}
