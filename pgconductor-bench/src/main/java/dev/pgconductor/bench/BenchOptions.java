package dev.pgconductor.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What to run and how big. Built by {@link BenchMain} from the command line, or directly by tests.
 *
 * @param url JDBC URL of a database whose user may create databases; null for an embedded Postgres
 * @param jobs jobs per scenario run (10,000 in a full run)
 * @param runs runs of each trial; the table shows their median and range
 * @param scenarios scenario numbers to run (1–16)
 * @param peers peers to run beside pgconductor (see {@link dev.pgconductor.bench.peer.Peers})
 * @param callers concurrent callers of the one-at-a-time enqueue scenario (50)
 * @param enqueueBatch executions per call in the batch enqueue scenario (1,000)
 * @param steadyDuration length of the steady-state scenario's max-rate runs (30 s)
 * @param fixedDuration length of each of its fixed-rate runs, at 50% and 90% of the maximum rate
 *     (30 s; {@link #LONG_FIXED} with {@code --long})
 * @param latencySamples invokes measured by the pickup latency scenario (1,000)
 * @param backlog queued executions of the large-queue variant of scenario 8 (1,000,000)
 * @param workDir where the Node peers are installed and run
 * @param smoke whether this is the tiny smoke run (embedded Postgres then runs without fsync)
 */
public record BenchOptions(
    String url,
    int jobs,
    int runs,
    SortedSet<Integer> scenarios,
    SortedSet<String> peers,
    int callers,
    int enqueueBatch,
    Duration steadyDuration,
    Duration fixedDuration,
    int latencySamples,
    int backlog,
    Path workDir,
    boolean smoke) {

  /** All scenario numbers. */
  public static final Set<Integer> ALL_SCENARIOS =
      Set.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);

  /** Length of a fixed-rate steady state with {@code --long}: ten minutes. */
  public static final Duration LONG_FIXED = Duration.ofMinutes(10);

  public BenchOptions {
    Objects.requireNonNull(workDir, "workDir");
    Objects.requireNonNull(steadyDuration, "steadyDuration");
    Objects.requireNonNull(fixedDuration, "fixedDuration");
    scenarios = new TreeSet<>(scenarios);
    peers = new TreeSet<>(peers);
    positive("jobs", jobs);
    positive("runs", runs);
    positive("callers", callers);
    positive("enqueueBatch", enqueueBatch);
    positive("latencySamples", latencySamples);
    positive("backlog", backlog);
    if (steadyDuration.isNegative() || steadyDuration.isZero()) {
      throw new IllegalArgumentException("steadyDuration must be positive, got " + steadyDuration);
    }
    if (fixedDuration.isNegative() || fixedDuration.isZero()) {
      throw new IllegalArgumentException("fixedDuration must be positive, got " + fixedDuration);
    }
    for (int s : scenarios) {
      if (!ALL_SCENARIOS.contains(s)) {
        throw new IllegalArgumentException("no scenario " + s + "; scenarios are 1 to 14");
      }
    }
  }

  /** The full benchmark: 10,000 jobs, 3 runs, every scenario, the given peers. */
  public static BenchOptions full(String url, Set<String> peers, Path workDir) {
    return new BenchOptions(
        url,
        10_000,
        3,
        new TreeSet<>(ALL_SCENARIOS),
        new TreeSet<>(peers),
        50,
        1_000,
        Duration.ofSeconds(30),
        Duration.ofSeconds(30),
        1_000,
        1_000_000,
        workDir,
        false);
  }

  /** The smoke run: every scenario once with a few hundred jobs, and short timed scenarios. */
  public static BenchOptions smoke(String url, Set<String> peers, Path workDir) {
    return new BenchOptions(
        url,
        300,
        1,
        new TreeSet<>(ALL_SCENARIOS),
        new TreeSet<>(peers),
        50,
        100,
        Duration.ofSeconds(2),
        Duration.ofSeconds(2),
        20,
        2_000,
        workDir,
        true);
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }
  }
}
