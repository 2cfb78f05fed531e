package dev.pgconductor.bench;

import dev.pgconductor.bench.peer.Peers;
import dev.pgconductor.bench.report.BenchReport;
import dev.pgconductor.bench.report.JsonReport;
import dev.pgconductor.bench.report.TablePrinter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark's command line:
 *
 * <pre>
 * java -jar pgconductor-bench/target/pgconductor-bench.jar [--url JDBC_URL] [--jobs N] [--runs N]
 *     [--scenarios 1,2,3] [--peers all|none|jvm|node|raw,db-scheduler,…] [--json FILE] [--smoke]
 * </pre>
 *
 * Prints the results table and the targets, and writes JSON when asked. See BENCHMARKS.md.
 */
@Command(
    name = "pgconductor-bench",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmarks pgconductor against peers (db-scheduler, JobRunr, pg-boss, graphile-worker) and"
          + " a raw-SQL bound (pgbench) on one Postgres: embedded by default, or --url.",
      "Every scenario run starts on a fresh database."
    })
public final class BenchMain implements Callable<Integer> {
  @Option(
      names = "--url",
      description =
          "JDBC URL of a Postgres whose user may create databases, e.g."
              + " jdbc:postgresql://127.0.0.1:5432/test?user=postgres (default: embedded Postgres 17)")
  String url;

  @Option(names = "--jobs", description = "Jobs per scenario run (default 10000; smoke 300)")
  Integer jobs;

  @Option(
      names = "--runs",
      description = "Runs of each trial (default 3; smoke 1); scenario 9 makes three pairs per run")
  Integer runs;

  @Option(
      names = "--scenarios",
      split = ",",
      description = "Scenario numbers to run, 1-14 (default: all)")
  List<Integer> scenarios;

  @Option(
      names = "--peers",
      split = ",",
      description =
          "Peers beside pgconductor: raw, db-scheduler, jobrunr, pg-boss, graphile-worker, or all,"
              + " none, jvm, node (default: all; smoke: none)")
  List<String> peers;

  /** Set (to "true") by {@code --noop-listener}; read where the scenarios build orchestrators. */
  public static final String NOOP_LISTENER_PROPERTY = "pgconductor.bench.noopListener";

  /** Set (to "true") by {@code --metrics-listener}; read where scenario 3 builds orchestrators. */
  public static final String METRICS_LISTENER_PROPERTY = "pgconductor.bench.metricsListener";

  /** Set (to "true") by {@code --tracing}; read where scenario 3 builds conductors. */
  public static final String TRACING_PROPERTY = "pgconductor.bench.tracing";

  @Option(names = "--json", description = "Also write the results as JSON to this file")
  Path json;

  @Option(
      names = "--smoke",
      description =
          "Tiny run: every scenario once with 300 jobs, 2 s steady state, 20 latency samples,"
              + " 2,000 backlog (explicit options still win)")
  boolean smoke;

  @Option(names = "--steady-seconds", description = "Length of scenario 4 (default 30; smoke 2)")
  Integer steadySeconds;

  @Option(
      names = "--latency-samples",
      description = "Invokes measured in scenario 7 (default 1000)")
  Integer latencySamples;

  @Option(names = "--backlog", description = "Queued executions in scenario 8 (default 1000000)")
  Integer backlog;

  @Option(
      names = "--work-dir",
      description =
          "Where Node peers and pgbench scripts are installed (default: next to the jar, under target/)")
  Path workDir;

  @Option(
      names = "--noop-listener",
      description =
          "Scenario 3 also drains with a ConductorListener that does nothing, in turns with the"
              + " plain drains, to measure what the listener hook costs")
  boolean noopListener;

  @Option(
      names = "--metrics-listener",
      description =
          "Scenario 3 also drains with pgconductor-micrometer's PgConductorMetrics (meters on a"
              + " SimpleMeterRegistry, queue gauges refreshed every 10 s), in turns with the plain"
              + " drains, to measure what the metrics cost")
  boolean metricsListener;

  @Option(
      names = "--tracing",
      description =
          "Scenario 3 also drains with pgconductor-opentelemetry's tracing on the OpenTelemetry"
              + " SDK (a batch span processor and an exporter that drops the spans), executions"
              + " enqueued with a trace context, in turns with the plain drains, to measure what"
              + " tracing costs")
  boolean tracing;

  public static void main(String[] args) {
    int code = new CommandLine(new BenchMain()).execute(args);
    System.exit(code);
  }

  @Override
  public Integer call() throws Exception {
    if (noopListener) {
      System.setProperty(NOOP_LISTENER_PROPERTY, "true");
    }
    if (metricsListener) {
      System.setProperty(METRICS_LISTENER_PROPERTY, "true");
    }
    if (tracing) {
      System.setProperty(TRACING_PROPERTY, "true");
    }
    BenchOptions options = options();
    BenchReport report = new BenchRunner(options, System.err).run();
    TablePrinter.print(report, System.out);
    if (json != null) {
      JsonReport.write(report, json);
      System.out.println();
      System.out.println("JSON written to " + json.toAbsolutePath());
    }
    return 0;
  }

  BenchOptions options() {
    Path dir = workDir != null ? workDir : defaultWorkDir();
    BenchOptions base =
        smoke
            ? BenchOptions.smoke(url, Peers.parse(peers == null ? List.of("none") : peers), dir)
            : BenchOptions.full(url, Peers.parse(peers == null ? List.of("all") : peers), dir);
    SortedSet<Integer> selected =
        scenarios == null ? new TreeSet<>(BenchOptions.ALL_SCENARIOS) : new TreeSet<>(scenarios);
    return new BenchOptions(
        base.url(),
        jobs != null ? jobs : base.jobs(),
        runs != null ? runs : base.runs(),
        selected,
        base.peers(),
        base.callers(),
        base.enqueueBatch(),
        steadySeconds != null ? Duration.ofSeconds(steadySeconds) : base.steadyDuration(),
        latencySamples != null ? latencySamples : base.latencySamples(),
        backlog != null ? backlog : base.backlog(),
        dir,
        base.smoke());
  }

  /** {@code target/bench-work} next to the jar (or the classes directory) this runs from. */
  static Path defaultWorkDir() {
    try {
      Path code =
          Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      // target/classes (a directory) or target/pgconductor-bench.jar: both have target/ as parent
      return code.getParent().resolve("bench-work");
    } catch (URISyntaxException | RuntimeException e) {
      return Path.of(System.getProperty("java.io.tmpdir"), "pgconductor-bench");
    }
  }
}
