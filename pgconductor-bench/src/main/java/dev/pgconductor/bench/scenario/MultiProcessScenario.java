package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.util.MachineCpu;
import dev.pgconductor.bench.util.Poll;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Scenario 14: the drain of scenario 3 (pre-enqueued no-op executions, measured until every outcome
 * is written) served by 1, 2 and 4 orchestrators, each in a JVM of its own, on one queue and on two
 * (half the executions on each, every JVM serving both with one worker per queue), with the default
 * worker config; the one-queue drain with the tuned config by 1 and 4 JVMs; and, for reference,
 * scenario 3's default drain in the bench's own JVM, taken in turns with the others. The target: 4
 * JVMs drain at least 90% of one JVM's rate in each queue layout, so orchestrators added to a
 * deployment do not collapse into contention.
 *
 * <p>The worker JVMs ({@link DrainWorkerMain}) are started once, at the first trial that needs
 * them, and warm up on a database of their own: each by itself ({@link #WARMUP_ROUNDS} drains with
 * each config and layout, each on a fresh Conductor), then together ({@link #WARMUP_DRAINS} rounds
 * of unmeasured drains by 2 and 4 of them), so neither their start nor their JIT compilation is in
 * the measured time; every trial then uses the first 1, 2 or 4 of them. For a drain each builds a
 * Conductor and an orchestrator on the trial's database and says it is ready; only then are the
 * executions enqueued, and all JVMs get "go" at once. The clock runs from "go" until the hot table
 * is empty, as in scenario 3 (which times from {@code Orchestrator.start()}: each orchestrator's
 * start is measured here too).
 *
 * <p>During the drain the wait events of the workers' backends are sampled every {@link
 * #SAMPLE_EVERY} (see {@link ContentionSampler}) and reported as the share of their active time
 * spent waiting on heavyweight locks (row, transaction and advisory locks: conflicts), in claims
 * and flushes and in all statements, and on lightweight ones (buffer, WAL and lock-manager
 * contention). The details add the samples by wait event and statement, the database's commits,
 * rollbacks and deadlocks over the drain, each JVM's share of the executions, their JIT time during
 * the drain, and the sampler's own CPU time.
 */
public final class MultiProcessScenario implements Scenario {
  /**
   * Metric: percent of the workers' backends' active time in claims and flushes spent waiting on a
   * heavyweight lock (row, transaction, advisory): what claims and flushes conflicting costs.
   */
  public static final String CLAIM_FLUSH_LOCK_WAITS = "claim/flush lock waits";

  /** The statements {@link #CLAIM_FLUSH_LOCK_WAITS} counts, by the function they call. */
  private static final Set<String> CLAIM_FLUSH = Set.of("claim", "flush");

  /**
   * Metric: percent of the workers' backends' active time waiting on a heavyweight lock, in any
   * statement (their start's registrations too).
   */
  public static final String LOCK_WAITS = "lock waits";

  /**
   * Metric: percent of the workers' backends' active time waiting on a lightweight lock (buffer
   * content, WAL insertion and writing, lock manager), in any statement.
   */
  public static final String LWLOCK_WAITS = "LWLock waits";

  /**
   * Variant label of the reference: scenario 3's drain with the default config, run by the bench's
   * own JVM (no worker JVM) between the others, so machine drift falls on it alike.
   */
  public static final String IN_PROCESS = "bench JVM, 1 queue";

  /** Added to a variant's label when the JVMs run the tuned config. */
  public static final String TUNED = ", tuned";

  /** Executions each worker JVM drains in each warm-up round (at most {@code --jobs}). */
  static final int WARMUP_JOBS = 10_000;

  /**
   * Warm-up rounds of each worker JVM: 24 drains of 10,000 (a third each default on one queue,
   * default on two, tuned), about a minute for the four on two cores. Its CPU time per drain falls
   * for the first 14 or so drains of 10,000 (2.5 s, 0.6 s, then 0.1 s from the 14th); after 5
   * drains of 5,000 a worker JVM drained at a third of the rate of the bench's own JVM, at three
   * times its CPU per execution.
   */
  static final int WARMUP_ROUNDS = 24;

  /**
   * Rounds of unmeasured drains the worker JVMs run together once warmed up by themselves; a round
   * is 4 and then 2 JVMs on one queue and on two with the default config, and 4 with the tuned one.
   */
  static final int WARMUP_DRAINS = 2;

  /** Warm-up rounds in the smoke run, which does not judge the numbers. */
  static final int SMOKE_WARMUP_ROUNDS = 3;

  /** How often the wait events are sampled. */
  static final Duration SAMPLE_EVERY = Duration.ofMillis(5);

  @Override
  public int number() {
    return 14;
  }

  @Override
  public String title() {
    return "drain by many orchestrator JVMs";
  }

  /** The label of a variant: "4 JVMs, 2 queues". */
  public static String variant(int jvms, int queues) {
    return jvms
        + (jvms == 1 ? " JVM, " : " JVMs, ")
        + queues
        + (queues == 1 ? " queue" : " queues");
  }

  private WorkerPool pool;
  private int warmupDrains;
  private PrintStream log;

  @Override
  public List<Trial> trials(BenchContext context) {
    int jobs = context.options().jobs();
    log = context.log();
    boolean smoke = context.options().smoke();
    pool = new WorkerPool(smoke ? SMOKE_WARMUP_ROUNDS : WARMUP_ROUNDS, Math.min(jobs, WARMUP_JOBS));
    warmupDrains = smoke ? 1 : WARMUP_DRAINS;
    List<Trial> trials = new ArrayList<>();
    trials.add(Trial.subject(IN_PROCESS, db -> DrainScenario.run(db, jobs, WorkerConfig.DEFAULT)));
    for (int queues : List.of(1, 2)) {
      for (int jvms : List.of(1, 2, 4)) {
        trials.add(
            Trial.subject(
                variant(jvms, queues), db -> run(db, jobs, jvms, queues, WorkerConfig.DEFAULT)));
      }
    }
    for (int jvms : List.of(1, 4)) {
      trials.add(
          Trial.subject(variant(jvms, 1) + TUNED, db -> run(db, jobs, jvms, 1, PgcHarness.TUNED)));
    }
    return trials;
  }

  /** Ends the worker JVMs. */
  @Override
  public void close() {
    if (pool != null) {
      pool.close();
    }
  }

  private Measurement run(BenchDatabase db, int jobs, int jvms, int queues, WorkerConfig config)
      throws Exception {
    boolean drained = false;
    try {
      if (!pool.started()) {
        startPool(db, jobs);
      }
      Measurement m = drain(db, pool.workers(jvms), jobs, queues, config);
      drained = true;
      return m;
    } finally {
      if (!drained) {
        // the worker JVMs are in no known state: the next trial starts new ones
        pool.close();
      }
    }
  }

  /**
   * Starts the worker JVMs, which warm up by themselves, then has them run {@link #WARMUP_DRAINS}
   * rounds of unmeasured drains together, 2 and 4 at a time: the paths that only JVMs competing for
   * a queue take are compiled before the first measured drain of 4 JVMs (without them its JIT
   * compilers spent 0.7-0.9 s in it, against 0.1 s in the next). All on a database of their own.
   */
  private void startPool(BenchDatabase db, int jobs) throws Exception {
    log.printf("  starting %d worker JVMs and warming them up (not measured) …%n", WorkerPool.SIZE);
    long t0 = System.nanoTime();
    try (BenchDatabase warm = db.sibling("s14_warmup")) {
      pool.start(warm);
      for (int round = 0; round < warmupDrains; round++) {
        for (int jvms : List.of(4, 2)) {
          drain(warm, pool.workers(jvms), jobs, 1, WorkerConfig.DEFAULT);
          warm.execute("drop schema pgconductor cascade");
          drain(warm, pool.workers(jvms), jobs, 2, WorkerConfig.DEFAULT);
          warm.execute("drop schema pgconductor cascade");
        }
        drain(warm, pool.workers(4), jobs, 1, PgcHarness.TUNED);
        warm.execute("drop schema pgconductor cascade");
      }
    }
    log.printf(Locale.ROOT, "  worker JVMs warmed up in %.0f s%n", (System.nanoTime() - t0) / 1e9);
  }

  private static Measurement drain(
      BenchDatabase db, List<WorkerProcess> workers, int jobs, int queues, WorkerConfig config)
      throws Exception {
    int jvms = workers.size();
    // installed here, so the workers do not race to install it
    PgcHarness.conductor(db, PgcHarness.NOOP, DrainWorkerMain.NOOP_Q2).close();
    WorkerProcess.Progress progress = new WorkerProcess.Progress(jobs);
    String run =
        String.join(
            " ",
            "run",
            "url=" + URLEncoder.encode(db.url(), StandardCharsets.UTF_8),
            "queues=" + queues,
            "concurrency=" + config.concurrency(),
            "fetch=" + config.fetchBatchSize(),
            "poll_ms=" + config.pollInterval().toMillis(),
            "flush_ms=" + config.flushInterval().toMillis());
    for (WorkerProcess worker : workers) {
      worker.countInto(progress);
      worker.send(run);
    }
    for (WorkerProcess worker : workers) {
      worker.await("ready", Duration.ofSeconds(60));
    }
    db.execute("checkpoint");
    try (Conductor<Void> conductor =
        PgcHarness.conductor(db, PgcHarness.NOOP, DrainWorkerMain.NOOP_Q2)) {
      if (queues == 1) {
        PgcHarness.enqueue(conductor, PgcHarness.NOOP, jobs);
      } else {
        PgcHarness.enqueue(conductor, PgcHarness.NOOP, jobs / 2);
        PgcHarness.enqueue(conductor, DrainWorkerMain.NOOP_Q2, jobs - jobs / 2);
      }
    }
    long[] before = databaseCounters(db);

    long t0;
    long handlersDone;
    long elapsed;
    long parentCpu;
    long machine;
    long machine0;
    ContentionSampler sampler =
        new ContentionSampler(db, DrainWorkerMain.APPLICATION_NAME, SAMPLE_EVERY);
    try (sampler) {
      sampler.start();
      long cpu0 = PgcHarness.processCpuNanos();
      machine0 = MachineCpu.busyNanos();
      t0 = System.nanoTime();
      for (WorkerProcess worker : workers) {
        worker.send("go");
      }
      handlersDone = progress.await(PgcHarness.budget(jobs)) - t0;
      PgcHarness.awaitAllWritten(db, PgcHarness.budget(jobs));
      elapsed = System.nanoTime() - t0;
      machine = MachineCpu.busyNanos() - machine0;
      parentCpu = PgcHarness.processCpuNanos() - cpu0;
    }

    long workersCpu = 0;
    long workersJit = 0;
    long[] ran = new long[jvms];
    for (WorkerProcess worker : workers) {
      worker.send("stop");
    }
    for (int i = 0; i < jvms; i++) {
      long[] stats = workers.get(i).await("stats", Duration.ofSeconds(60));
      ran[i] = stats[0];
      workersCpu += stats[1];
      workersJit += stats[2];
    }
    for (WorkerProcess worker : workers) {
      worker.await("done", Duration.ofSeconds(60));
      worker.countInto(null);
    }
    // a backend's counters reach pg_stat_database at the latest when it exits
    awaitWorkerBackendsGone(db);
    long[] after = databaseCounters(db);

    List<Sample> samples = new ArrayList<>();
    samples.add(Sample.throughput(jobs, elapsed));
    samples.add(Sample.millis(PgcHarness.JVM_CPU_PER_1K, workersCpu / 1e6 / jobs * 1_000));
    if (machine0 >= 0 && machine >= 0) {
      samples.add(Sample.millis(PgcHarness.MACHINE_CPU_PER_1K, machine / 1e6 / jobs * 1_000));
    }
    samples.add(percent(CLAIM_FLUSH_LOCK_WAITS, sampler.share("Lock", CLAIM_FLUSH)));
    samples.add(percent(LOCK_WAITS, sampler.share("Lock")));
    samples.add(percent(LWLOCK_WAITS, sampler.share("LWLock")));

    Map<String, Double> details = new LinkedHashMap<>();
    details.put("last_handler_ms", handlersDone / 1e6);
    details.put("all_written_ms", elapsed / 1e6);
    long total = 0;
    long least = Long.MAX_VALUE;
    long most = 0;
    for (long r : ran) {
      total += r;
      least = Math.min(least, r);
      most = Math.max(most, r);
    }
    details.put("jvm_share_min_pct", 100.0 * least / Math.max(1, total));
    details.put("jvm_share_max_pct", 100.0 * most / Math.max(1, total));
    details.put("runs_beyond_jobs", (double) (total - jobs));
    details.put("parent_cpu_ms", parentCpu / 1e6);
    // the JIT compilers' time in the worker JVMs during the drain: small once they are warm
    details.put("workers_jit_ms", (double) workersJit);
    details.put("xact_commit", (double) (after[0] - before[0]));
    details.put("xact_rollback", (double) (after[1] - before[1]));
    details.put("deadlocks", (double) (after[2] - before[2]));
    details.put("sampler_samples", (double) sampler.samples());
    details.put(
        "sampler_round_trip_ms_avg", sampler.busyNanos() / 1e6 / Math.max(1, sampler.samples()));
    long samplerCpu = sampler.threadCpuNanos() + Math.max(0, sampler.backendCpuNanos());
    details.put("sampler_cpu_ms", samplerCpu / 1e6);
    if (sampler.backendCpuNanos() >= 0) {
      details.put("sampler_backend_cpu_ms", sampler.backendCpuNanos() / 1e6);
    }
    if (machine0 >= 0 && machine > 0) {
      details.put("sampler_cpu_pct_of_machine", 100.0 * samplerCpu / machine);
    }
    details.put(
        "sampled_active_backends_avg",
        (double) sampler.activeSamples() / Math.max(1, sampler.samples()));
    details.put(
        "moments_with_lock_wait_pct",
        100.0 * sampler.momentsWithLockWait() / Math.max(1, sampler.samples()));
    double active = Math.max(1, sampler.activeSamples());
    sampler.byEvent().forEach((event, n) -> details.put("wait_pct " + event, 100.0 * n / active));
    Map<String, Double> byStatement = new TreeMap<>();
    sampler
        .byEventAndStatement()
        .forEach(
            (key, n) ->
                byStatement.put(
                    "wait_pct " + key.event() + " in " + key.statement(), 100.0 * n / active));
    details.putAll(byStatement);
    return new Measurement(samples, details);
  }

  private static Sample percent(String metric, double value) {
    return new Sample(metric, "%", value, false);
  }

  /** Commits, rollbacks and deadlocks of the run's database so far. */
  private static long[] databaseCounters(BenchDatabase db) throws Exception {
    try (Connection c = db.connect();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "select xact_commit, xact_rollback, deadlocks from pg_stat_database"
                    + " where datname = current_database()")) {
      rs.next();
      return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)};
    }
  }

  private static void awaitWorkerBackendsGone(BenchDatabase db) throws Exception {
    try (Connection c = db.connect()) {
      Poll.until(
          "the worker JVMs' backends to exit",
          () ->
              BenchDatabase.queryLong(
                      c,
                      String.format(
                          Locale.ROOT,
                          "select count(*) from pg_stat_activity"
                              + " where datname = current_database() and application_name = '%s'",
                          DrainWorkerMain.APPLICATION_NAME))
                  == 0,
          Duration.ofMillis(10),
          Duration.ofSeconds(30));
    }
  }
}
