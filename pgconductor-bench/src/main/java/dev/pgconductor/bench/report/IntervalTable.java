package dev.pgconductor.bench.report;

import dev.pgconductor.bench.Measurement;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints the per-interval figures of timed runs (scenario 4's fixed-rate runs): for every run, one
 * line per interval with the completions per second, the latency percentiles and the invoke's share
 * of the latency, and the size of the hot tables at start and end.
 */
final class IntervalTable {
  static final String INTERVALS = "intervals";

  private IntervalTable() {}

  static void print(BenchReport report, PrintStream out) {
    boolean header = false;
    for (TrialResult t : report.trials()) {
      for (int run = 0; run < t.runs().size(); run++) {
        Measurement m = t.runs().get(run);
        List<Map<String, Object>> intervals = m.lists().get(INTERVALS);
        if (intervals == null || intervals.isEmpty()) {
          continue;
        }
        if (!header) {
          out.println();
          out.println(
              "per interval: completions by when the handler ran, latency from when the invoke was"
                  + " due until the handler ran, invoke p99 from when it was due until the invoke"
                  + " returned (the enqueue side of that latency), size and dead tuples of the"
                  + " executions partitions at the interval's end (dead tuples as pg_stat has them, about a second late);"
                  + " last/first above is the last interval's completions in % of the first's"
                  + " (higher is better)");
          header = true;
        }
        Map<String, Double> d = m.details();
        out.printf(
            Locale.ROOT,
            "  %d %s / %s, run %d: %,.0f/s offered; hot tables %s -> %s, dead tuples %,.0f -> %,.0f%n",
            t.scenario(),
            t.system(),
            t.variant(),
            run + 1,
            d.getOrDefault("offered_rate", Double.NaN),
            bytes(d.getOrDefault("hot_bytes_start", 0.0)),
            bytes(d.getOrDefault("hot_bytes_end", 0.0)),
            d.getOrDefault("dead_tuples_start", 0.0),
            d.getOrDefault("dead_tuples_end", 0.0));
        out.printf(
            Locale.ROOT,
            "    %-13s %12s %9s %9s %9s %15s %11s %10s%n",
            "interval",
            "completed/s",
            "p50 ms",
            "p99 ms",
            "max ms",
            "invoke p99 ms",
            "executions",
            "dead");
        for (Map<String, Object> row : intervals) {
          out.printf(
              Locale.ROOT,
              "    %-13s %,12.0f %9s %9s %9s %15s %11s %,10d%n",
              seconds(row.get("from_s")) + "-" + seconds(row.get("to_s")) + " s",
              number(row.get("completed_per_s")),
              millis(row.get("p50_ms")),
              millis(row.get("p99_ms")),
              millis(row.get("max_ms")),
              millis(row.get("invoke_p99_ms")),
              bytes(number(row.get("executions_bytes"))),
              (long) number(row.get("executions_dead_tuples")));
        }
      }
    }
  }

  private static double number(Object o) {
    return o instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  private static String millis(Object o) {
    return o instanceof Number n ? String.format(Locale.ROOT, "%.2f", n.doubleValue()) : "n/a";
  }

  private static String seconds(Object o) {
    double s = number(o);
    return s == Math.rint(s)
        ? String.format(Locale.ROOT, "%.0f", s)
        : String.format(Locale.ROOT, "%.1f", s);
  }

  private static String bytes(double b) {
    return b < 1 << 20
        ? String.format(Locale.ROOT, "%.0f kB", b / 1024)
        : String.format(Locale.ROOT, "%.1f MB", b / 1048576);
  }
}
