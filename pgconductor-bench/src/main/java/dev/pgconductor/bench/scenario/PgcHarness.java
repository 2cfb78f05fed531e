package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.Invocation;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.util.Completions;
import dev.pgconductor.bench.util.MachineCpu;
import dev.pgconductor.bench.util.Poll;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * How the scenarios drive pgconductor: one no-op task, a Conductor on the run's database, the
 * default and the tuned worker configs, bulk enqueue, and the check that every execution's outcome
 * is written.
 */
final class PgcHarness {
  /** Payload of the benchmark task: a sequence number, so it is not empty JSON. */
  record Noop(int n) {}

  static final TaskDefinition<Noop, Void> NOOP = TaskDefinition.of("bench-noop", Noop.class);

  /** Connections of the Conductor's pool in every scenario (the library's default). */
  static final int POOL_SIZE = 10;

  /**
   * The tuned config: large claim batches so a claim round trip is amortised over hundreds of
   * executions, a short flush interval (outcomes are written sooner anyway when a batch fills), and
   * many handlers in flight. No-op handlers need about 100 to keep the fetch-ahead buffer moving;
   * handlers that take steps spend nearly all their time waiting for the step writer's durable
   * commit, and the more of them wait, the more steps each commit carries (see "Step-heavy tasks
   * want many handlers" in BENCHMARKS.md). Virtual threads make the waiting ones cheap, so one
   * config serves every tuned scenario.
   */
  static final WorkerConfig TUNED =
      WorkerConfig.builder()
          .concurrency(1000)
          .fetchBatchSize(500)
          .pollInterval(Duration.ofSeconds(1))
          .flushInterval(Duration.ofMillis(100))
          .build();

  private PgcHarness() {}

  /** A Conductor on the run's database with pgconductor's own pool, schema installed. */
  static Conductor<Void> conductor(BenchDatabase db) {
    return conductor(db, NOOP);
  }

  /** A Conductor knowing the given tasks, on the run's database, schema installed. */
  static Conductor<Void> conductor(BenchDatabase db, TaskDefinition<?, ?>... tasks) {
    return conductor(db, null, tasks);
  }

  /**
   * A Conductor knowing the given tasks, on the run's database, schema installed, with a tracer
   * (null: none).
   */
  static Conductor<Void> conductor(
      BenchDatabase db, dev.pgconductor.ExecutionTracer tracer, TaskDefinition<?, ?>... tasks) {
    Conductor.Builder<Void> builder =
        Conductor.builder()
            .connectionString(db.url())
            .tasks(TaskSchemas.of(tasks))
            .poolSize(POOL_SIZE);
    if (tracer != null) {
      builder.tracer(tracer);
    }
    Conductor<Void> conductor = builder.build();
    conductor.ensureInstalled();
    return conductor;
  }

  /** A Conductor on a given data source (e.g. a timed one), schema installed. */
  static Conductor<Void> conductor(DataSource dataSource) {
    Conductor<Void> conductor =
        Conductor.builder().dataSource(dataSource).tasks(TaskSchemas.of(NOOP)).build();
    conductor.ensureInstalled();
    return conductor;
  }

  /** Registers the no-op handler, which only counts. */
  static Task<Noop, Void> noopTask(Conductor<Void> conductor, Completions completions) {
    return noopTask(conductor, NOOP, completions);
  }

  /** Registers a no-op handler of the given definition, which only counts. */
  static Task<Noop, Void> noopTask(
      Conductor<Void> conductor, TaskDefinition<Noop, Void> task, Completions completions) {
    return conductor.createTask(
        TaskOptions.of(task),
        Trigger.invocable(),
        (event, ctx) -> {
          completions.done();
          return null;
        });
  }

  /** An orchestrator serving the tasks on the default queue; signals left to the harness. */
  static Orchestrator orchestrator(
      Conductor<Void> conductor, Task<?, ?> task, WorkerConfig config) {
    return orchestrator(conductor, List.of(task), config);
  }

  /** An orchestrator serving the tasks on the default queue; signals left to the harness. */
  static Orchestrator orchestrator(
      Conductor<Void> conductor, List<? extends Task<?, ?>> tasks, WorkerConfig config) {
    return Orchestrator.builder(conductor)
        .tasks(tasks)
        .defaultWorker(config)
        .handleSignals(false)
        .build();
  }

  /**
   * Starts an orchestrator and measures until {@code jobs} handler completions were counted and
   * every outcome is written (the hot table is empty): the drain measurement of scenarios 3, 5 and
   * 6. Stops the orchestrator afterwards (not measured).
   */
  static Measurement timedDrain(
      BenchDatabase db, Orchestrator orchestrator, Completions completions, int jobs)
      throws Exception {
    try {
      long cpu0 = processCpuNanos();
      long machine0 = MachineCpu.busyNanos();
      long t0 = System.nanoTime();
      orchestrator.start();
      completions.await(jobs, budget(jobs));
      long handlersDone = System.nanoTime() - t0;
      awaitAllWritten(db, budget(jobs));
      long elapsed = System.nanoTime() - t0;
      long cpu = processCpuNanos() - cpu0;
      long machine = MachineCpu.busyNanos() - machine0;
      List<Sample> samples = new ArrayList<>();
      samples.add(Sample.throughput(jobs, elapsed));
      samples.add(Sample.millis(JVM_CPU_PER_1K, cpu / 1e6 / jobs * 1_000));
      if (machine0 >= 0 && machine >= 0) {
        samples.add(Sample.millis(MACHINE_CPU_PER_1K, machine / 1e6 / jobs * 1_000));
      }
      return new Measurement(samples, java.util.Map.of())
          .withDetail("last_handler_ms", handlersDone / 1e6)
          .withDetail("all_written_ms", elapsed / 1e6);
    } finally {
      orchestrator.close();
    }
  }

  /**
   * The metric of the JVM's CPU time (all its threads, the collector's too) per 1,000 executions of
   * a drain: the engine's client-side cost, which machine noise moves far less than throughput (the
   * database runs in a process of its own).
   */
  public static final String JVM_CPU_PER_1K = "JVM CPU per 1k jobs";

  /**
   * The metric of the whole machine's busy CPU time (every process: this JVM, the database, and
   * anything else running) per 1,000 executions of a drain, where the machine says (Linux). A drain
   * keeps the machine's cores busy, so a cost added per execution moves its throughput by about its
   * share of this.
   */
  public static final String MACHINE_CPU_PER_1K = "machine CPU per 1k jobs";

  /** CPU time this JVM has used so far. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Enqueues {@code jobs} executions of {@code task} in batches of 1,000 (setup, not measured). */
  static void enqueue(Conductor<Void> conductor, TaskDefinition<Noop, ?> task, int jobs) {
    for (int done = 0; done < jobs; done += 1_000) {
      conductor.invokeBatch(task, invocations(done, Math.min(1_000, jobs - done)));
    }
  }

  /** {@code count} invocations numbered from {@code from}. */
  static List<Invocation<Noop>> invocations(int from, int count) {
    List<Invocation<Noop>> list = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      list.add(Invocation.of(new Noop(from + i)));
    }
    return list;
  }

  /** Enqueues {@code jobs} executions in batches of {@code batch} (setup, not measured). */
  static void enqueue(Conductor<Void> conductor, int jobs, int batch) {
    for (int done = 0; done < jobs; done += batch) {
      conductor.invokeBatch(NOOP, invocations(done, Math.min(batch, jobs - done)));
    }
  }

  /**
   * Waits until every execution's outcome is written: the hot table holds no pending or running
   * row. Polls on one connection of its own.
   */
  static void awaitAllWritten(BenchDatabase db, Duration timeout) throws Exception {
    try (Connection c = db.connect()) {
      Poll.until(
          "all outcomes to be written",
          () -> BenchDatabase.queryLong(c, "select count(*) from pgconductor.executions") == 0,
          Duration.ofMillis(2),
          timeout);
    }
  }

  /** Fails unless exactly {@code jobs} executions are stored (the enqueue scenarios' check). */
  static void requireStored(BenchDatabase db, int jobs) throws Exception {
    long stored = db.queryLong("select count(*) from pgconductor.executions");
    if (stored != jobs) {
      throw new IllegalStateException("expected " + jobs + " executions stored, found " + stored);
    }
  }

  /** A generous timeout for work of {@code jobs} executions. */
  static Duration budget(long jobs) {
    return Poll.budget(Duration.ofSeconds(60), jobs, 200);
  }
}
