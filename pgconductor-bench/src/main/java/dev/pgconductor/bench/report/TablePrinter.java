package dev.pgconductor.bench.report;

import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.peer.RawSqlBound;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Prints a report as plain-text tables: the environment, one line per metric per trial (median,
 * min–max over the runs, and how it compares), the peers' settings, and the targets.
 */
public final class TablePrinter {
  private TablePrinter() {}

  public static void print(BenchReport report, PrintStream out) {
    out.println();
    out.println("pgconductor benchmark");
    report.environment().forEach((k, v) -> out.printf("  %-20s %s%n", k, v));
    out.println();
    String header =
        String.format(
            Locale.ROOT,
            "%-2s %-38s %-18s %-24s %-11s %12s %21s  %s",
            "#",
            "scenario",
            "system",
            "variant",
            "metric",
            "median",
            "min-max",
            "compared");
    out.println(header);
    out.println("-".repeat(header.length() + 20));
    int lastScenario = -1;
    for (Row row : report.rows()) {
      boolean first = row.scenario() != lastScenario;
      lastScenario = row.scenario();
      String num = first ? String.valueOf(row.scenario()) : "";
      String title = first ? row.title() : "";
      if (!row.hasValues()) {
        out.printf(
            Locale.ROOT,
            "%-2s %-38s %-18s %-24s %s%n",
            num,
            cut(title, 38),
            cut(row.system(), 18),
            cut(row.variant(), 24),
            row.status() + ": " + firstLine(row.note()));
        continue;
      }
      out.printf(
          Locale.ROOT,
          "%-2s %-38s %-18s %-24s %-11s %12s %21s  %s%n",
          num,
          cut(title, 38),
          cut(row.system(), 18),
          cut(row.variant(), 24),
          cut(row.metric(), 11),
          value(row.median(), row.unit()),
          value(row.min(), row.unit()) + "-" + value(row.max(), row.unit()),
          compared(report, row)
              + (row.note() != null
                  ? "  (error after "
                      + row.values().length
                      + " runs: "
                      + firstLine(row.note())
                      + ")"
                  : ""));
    }
    out.println();
    out.println(
        "units: throughput in jobs/s (higher is better), latencies in ms (lower is better),"
            + " differences in % (lower is better); median and min-max over the runs.");
    out.println(
        "compared: for pgconductor, the ratio to the best peer and the share of the raw-SQL"
            + " bound; for a peer or bound, pgconductor's ratio to it (and for a bound that"
            + " sweeps its knobs, the combination that was best).");
    IntervalTable.print(report, out);
    if (!report.peerSettings().isEmpty()) {
      out.println();
      out.println("peer settings");
      report.peerSettings().forEach((k, v) -> out.printf("  %-20s %s%n", k, v));
    }
    out.println();
    out.println("targets");
    List<TargetCheck> targets = report.targets();
    for (TargetCheck t : targets) {
      out.printf(Locale.ROOT, "  %-5s %-64s %s%n", t.status(), t.target(), t.measured());
    }
  }

  private static String compared(BenchReport report, Row row) {
    if (row.role() == Trial.Role.SUBJECT) {
      StringBuilder s = new StringBuilder();
      report
          .bestPeer(row.scenario(), row.metric())
          .ifPresent(
              p ->
                  s.append(
                      String.format(
                          Locale.ROOT, "%.2fx best peer (%s)", better(row, p), p.system())));
      report
          .bound(row.scenario(), row.metric())
          .ifPresent(
              b ->
                  s.append(s.isEmpty() ? "" : ", ")
                      .append(
                          String.format(
                              Locale.ROOT, "%.0f%% of bound", 100 * row.median() / b.median())));
      return s.toString();
    }
    Optional<Row> subject =
        report
            .row(row.scenario(), Trial.PGCONDUCTOR, row.variant(), row.metric())
            .or(() -> report.row(row.scenario(), Trial.PGCONDUCTOR, null, row.metric()));
    String vs =
        subject
            .map(
                s ->
                    row.role() == Trial.Role.BOUND
                        ? String.format(
                            Locale.ROOT, "pgconductor at %.0f%%", 100 * s.median() / row.median())
                        : String.format(Locale.ROOT, "pgconductor %.2fx", better(s, row)))
            .orElse("");
    String best = row.role() == Trial.Role.BOUND ? sweepWinner(report, row) : "";
    return vs.isEmpty() || best.isEmpty() ? vs + best : vs + "; " + best;
  }

  /**
   * The knobs a swept bound's runs found best (see {@link RawSqlBound}), e.g. "best of sweep: 8
   * clients x 1,000/claim", or each run's when the runs differ; empty for a bound without a sweep.
   */
  static String sweepWinner(BenchReport report, Row row) {
    List<double[]> winners =
        report.trial(row).stream()
            .flatMap(t -> t.runs().stream())
            .map(Measurement::details)
            .filter(
                d ->
                    d.containsKey(RawSqlBound.BEST_CLIENTS)
                        && d.containsKey(RawSqlBound.BEST_CLAIM_BATCH))
            .map(
                d ->
                    new double[] {
                      d.get(RawSqlBound.BEST_CLIENTS), d.get(RawSqlBound.BEST_CLAIM_BATCH)
                    })
            .toList();
    if (winners.isEmpty()) {
      return "";
    }
    List<String> perRun =
        winners.stream().map(w -> String.format(Locale.ROOT, "%.0fx%,.0f", w[0], w[1])).toList();
    return perRun.stream().distinct().count() == 1
        ? String.format(
            Locale.ROOT,
            "best of sweep: %.0f clients x %,.0f/claim",
            winners.getFirst()[0],
            winners.getFirst()[1])
        : "best of sweep per run (clients x claim): " + String.join(", ", perRun);
  }

  /** How many times {@code a} is better than {@code b}. */
  private static double better(Row a, Row b) {
    return a.higherIsBetter() ? a.median() / b.median() : b.median() / a.median();
  }

  static String value(double v, String unit) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    return switch (unit) {
      case "ms" -> String.format(Locale.ROOT, "%.2f", v);
      case "%" -> String.format(Locale.ROOT, "%.1f%%", v);
      default -> String.format(Locale.ROOT, "%,.0f", v);
    };
  }

  /** The first line of a message, at most 160 characters (the JSON has it whole). */
  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    String line = s.strip().lines().findFirst().orElse("");
    return line.length() > 160 ? line.substring(0, 159) + "…" : line;
  }

  private static String cut(String s, int width) {
    return s.length() <= width ? s : s.substring(0, width - 1) + "…";
  }
}
