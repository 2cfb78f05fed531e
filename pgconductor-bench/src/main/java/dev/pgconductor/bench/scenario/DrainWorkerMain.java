package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.bench.scenario.PgcHarness.Noop;
import dev.pgconductor.bench.util.Completions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One orchestrator JVM of scenario 14, started by {@link WorkerPool} with the bench's own
 * classpath; not meant to be run by hand. It warms up first, then runs one measured drain after
 * another, each on the database and with the queues and worker config the parent names.
 *
 * <p>Arguments are {@code key=value} pairs: {@code id} (its number in the pool), {@code rounds} and
 * {@code jobs} (warm-up drains and executions in each). The JDBC URL of the warm-up database
 * (schema installed) comes in the environment variable {@code PGCONDUCTOR_BENCH_WORKER_URL}, kept
 * off the command line.
 *
 * <p>It talks to the parent in lines. On stdin: {@code run url=… (URL-encoded) queues=…
 * concurrency=… fetch=… poll_ms=… flush_ms=…} builds a Conductor and an orchestrator for a drain;
 * {@code go} starts the orchestrator; {@code stop} stops it and closes the Conductor. On stdout,
 * each line prefixed with {@value #PREFIX}: {@code ready} once warmed up and once each run is
 * built; {@code ran N} every few milliseconds while its handler count changes; {@code stats RAN
 * CPU_NANOS JIT_MILLIS} on a stop (executions it ran, its CPU time and its JIT compilers' time
 * since "go"); {@code done} once stopped. It exits when stdin closes, at once, so it cannot outlive
 * a parent that died.
 */
public final class DrainWorkerMain {
  /** Prefix of every line the worker writes to stdout; other lines are not part of the protocol. */
  static final String PREFIX = "pgc-worker ";

  /** The second queue's no-op task, in the two-queue variants. */
  static final TaskDefinition<Noop, Void> NOOP_Q2 =
      TaskDefinition.of("bench-noop-q2", Noop.class).onQueue("bench-q2");

  /** Set in the application name of the workers' connections, so the sampler finds them. */
  static final String APPLICATION_NAME = "pgconductor-bench-worker";

  private static final Duration PROGRESS_EVERY = Duration.ofMillis(10);

  private static final PrintStream OUT = new PrintStream(System.out, true, StandardCharsets.UTF_8);

  private DrainWorkerMain() {}

  public static void main(String[] args) {
    try {
      Map<String, String> a = parse(List.of(args));
      BlockingQueue<String> commands = readCommands();
      warmUp(
          System.getenv(WorkerProcess.URL_ENV),
          Integer.parseInt(a.get("id")),
          Integer.parseInt(a.get("rounds")),
          Integer.parseInt(a.get("jobs")));
      System.gc();
      say("ready");
      while (true) {
        String command = commands.take();
        if (!command.startsWith("run ")) {
          throw new IllegalStateException("expected 'run …', got '" + command + "'");
        }
        drain(parse(List.of(command.substring(4).split(" "))), commands);
        System.gc();
        say("done");
      }
    } catch (Throwable e) {
      // the parent prints our stderr; the pool's threads must not keep the JVM alive
      e.printStackTrace();
      System.exit(1);
    }
  }

  /** One measured drain: built, started on "go", stopped on "stop". */
  private static void drain(Map<String, String> run, BlockingQueue<String> commands)
      throws Exception {
    int queues = Integer.parseInt(run.get("queues"));
    WorkerConfig config =
        WorkerConfig.builder()
            .concurrency(Integer.parseInt(run.get("concurrency")))
            .fetchBatchSize(Integer.parseInt(run.get("fetch")))
            .pollInterval(Duration.ofMillis(Long.parseLong(run.get("poll_ms"))))
            .flushInterval(Duration.ofMillis(Long.parseLong(run.get("flush_ms"))))
            .build();
    List<TaskDefinition<Noop, Void>> measured =
        queues == 1 ? List.of(PgcHarness.NOOP) : List.of(PgcHarness.NOOP, NOOP_Q2);
    Completions completions = new Completions();
    String url = URLDecoder.decode(run.get("url"), StandardCharsets.UTF_8);
    try (Conductor<Void> conductor = conductor(url, measured)) {
      Orchestrator orchestrator =
          PgcHarness.orchestrator(conductor, handlers(conductor, measured, completions), config);
      try {
        say("ready");
        expect(commands, "go");
        long cpu0 = PgcHarness.processCpuNanos();
        long jit0 = jitMillis();
        orchestrator.start();
        long reported = 0;
        String command;
        while ((command = commands.poll(PROGRESS_EVERY.toMillis(), TimeUnit.MILLISECONDS))
            == null) {
          long ran = completions.count();
          if (ran != reported) {
            reported = ran;
            say("ran " + ran);
          }
        }
        if (!command.equals("stop")) {
          throw new IllegalStateException("expected 'stop', got '" + command + "'");
        }
        long cpu = PgcHarness.processCpuNanos() - cpu0;
        long jit = jitMillis() - jit0;
        say("stats " + completions.count() + " " + cpu + " " + jit);
      } finally {
        orchestrator.close();
      }
    }
  }

  /**
   * Drains {@code rounds} batches of {@code jobs} no-op executions on queues of this JVM's own,
   * each with a fresh Conductor and orchestrator as a measured drain has, in turns: the default
   * config on one queue, the default config on two (half the executions on each), the tuned config
   * on one. Without it, a new JVM runs a drain at a third of the rate of the bench's own JVM, at
   * three times its CPU per execution: its JIT compilers are still at work for the first 100,000 or
   * so executions.
   */
  private static void warmUp(String url, int id, int rounds, int jobs) throws Exception {
    for (int round = 0; round < rounds; round++) {
      int queues = round % 3 == 1 ? 2 : 1;
      WorkerConfig config = round % 3 == 2 ? PgcHarness.TUNED : WorkerConfig.DEFAULT;
      List<TaskDefinition<Noop, Void>> tasks = new ArrayList<>();
      for (int q = 1; q <= queues; q++) {
        String name = "bench-warm-" + id + "-" + q;
        tasks.add(TaskDefinition.of(name, Noop.class).onQueue(name));
      }
      int perQueue = Math.max(1, jobs / queues);
      try (Conductor<Void> conductor = conductor(url, tasks)) {
        Completions completions = new Completions();
        List<Task<?, ?>> handlers = handlers(conductor, tasks, completions);
        for (TaskDefinition<Noop, Void> task : tasks) {
          PgcHarness.enqueue(conductor, task, perQueue);
        }
        try (Orchestrator orchestrator = PgcHarness.orchestrator(conductor, handlers, config)) {
          orchestrator.start();
          completions.await((long) perQueue * queues, PgcHarness.budget(jobs * 4L));
        }
      }
    }
  }

  private static Conductor<Void> conductor(String url, List<TaskDefinition<Noop, Void>> tasks) {
    Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(
                url + (url.contains("?") ? "&" : "?") + "ApplicationName=" + APPLICATION_NAME)
            .tasks(TaskSchemas.of(tasks.toArray(TaskDefinition<?, ?>[]::new)))
            .poolSize(PgcHarness.POOL_SIZE)
            .build();
    conductor.ensureInstalled();
    return conductor;
  }

  /** A counting no-op handler of each task. */
  private static List<Task<?, ?>> handlers(
      Conductor<Void> conductor,
      List<TaskDefinition<Noop, Void>> definitions,
      Completions completions) {
    List<Task<?, ?>> tasks = new ArrayList<>();
    for (TaskDefinition<Noop, Void> definition : definitions) {
      tasks.add(PgcHarness.noopTask(conductor, definition, completions));
    }
    return tasks;
  }

  /** Time the JIT compilers spent so far, in milliseconds (their threads, summed). */
  private static long jitMillis() {
    var jit = ManagementFactory.getCompilationMXBean();
    return jit != null && jit.isCompilationTimeMonitoringSupported()
        ? jit.getTotalCompilationTime()
        : 0;
  }

  private static void say(String line) {
    OUT.println(PREFIX + line);
  }

  /** Lines of stdin, read by a daemon thread; the JVM exits when stdin closes. */
  private static BlockingQueue<String> readCommands() {
    BlockingQueue<String> commands = new LinkedBlockingQueue<>();
    Thread.ofPlatform()
        .daemon()
        .name("stdin")
        .start(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  commands.add(line.strip());
                }
              } catch (IOException e) {
                // treated as the parent gone
              }
              // the parent is gone (or closed our stdin): nothing here may outlive it
              Runtime.getRuntime().halt(0);
            });
    return commands;
  }

  private static void expect(BlockingQueue<String> commands, String expected)
      throws InterruptedException {
    String command = commands.take();
    if (!command.equals(expected)) {
      throw new IllegalStateException("expected '" + expected + "', got '" + command + "'");
    }
  }

  private static Map<String, String> parse(List<String> args) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("expected key=value, got " + arg);
      }
      map.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    return map;
  }
}
