package dev.pgconductor.bench.report;

import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.scenario.ConcurrencyLimitScenario;
import dev.pgconductor.bench.scenario.DrainScenario;
import dev.pgconductor.bench.scenario.MultiProcessScenario;
import dev.pgconductor.bench.scenario.RowTriggerScenario;
import dev.pgconductor.bench.scenario.SteadyStateScenario;
import dev.pgconductor.bench.util.Percentiles;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The project's targets, checked against a report. A target holds only if it holds in every run:
 * the subject's worst run is compared with the other side's best (for a latency, the highest of the
 * runs; for a ratio of two trials, the lowest of the subject against the highest of the other), and
 * the median is shown beside it. Two kinds of target are judged on the median of per-run pairs
 * instead, because they ask for a difference smaller than the spread of one trial's runs on a small
 * machine: what a concurrency-limited task costs the others, and what metrics and tracing cost. A
 * target whose numbers are missing (scenario not run, skipped, peer not available) is "n/a" with
 * the reason.
 */
public final class Targets {
  private static final String TP = Sample.THROUGHPUT;
  private static final String PGC = Trial.PGCONDUCTOR;

  private Targets() {}

  static List<TargetCheck> check(BenchReport r) {
    List<TargetCheck> checks = new ArrayList<>();
    Optional<Row> drainTuned = r.row(3, PGC, DrainScenario.TUNED, TP);
    Optional<Row> drainDefault = r.row(3, PGC, DrainScenario.DEFAULT, TP);

    checks.add(vsPeer(r, "drain of no-op tasks >= 2x the best peer", drainTuned, 3, 2.0));
    checks.add(
        vsBound(
            r,
            "drain of no-op tasks >= 75% of the raw-SQL claim+complete bound",
            drainTuned,
            3,
            0.75));
    checks.add(
        vsBound(
            r,
            "steady state >= 60% of the raw-SQL end-to-end bound",
            r.row(4, PGC, null, TP),
            4,
            0.6));
    checks.add(vsPeer(r, "batch enqueue >= 2x the best peer", r.row(2, PGC, null, TP), 2, 2.0));
    checks.add(
        vsPeer(r, "one-at-a-time enqueue >= 1.5x the best peer", r.row(1, PGC, null, TP), 1, 1.5));
    checks.add(twoStep(r, drainTuned));
    String parents = "parent+child >= 15,000 parents/s";
    checks.add(
        r.row(6, PGC, DrainScenario.TUNED, TP)
            .map(
                row ->
                    TargetCheck.of(
                        parents,
                        row.min() >= 15_000,
                        "worst run " + fmt(row.min()) + " parents/s, median " + fmt(row.median())))
            .orElse(TargetCheck.na(parents, missing(r, 6))));
    checks.add(limit(r, "pickup latency p50 < 5 ms (default poll interval)", "pickup p50", 5));
    checks.add(limit(r, "pickup latency p99 < 10 ms (default poll interval)", "pickup p99", 10));
    List<Row> claims = r.subjectRows(8, "claim p50");
    String claimTarget = "with 1M queued, claim latency within 1.5x of an empty queue";
    checks.add(
        claims.size() < 2
            ? TargetCheck.na(claimTarget, missing(r, 8))
            : TargetCheck.of(
                claimTarget,
                claims.get(1).max() <= 1.5 * claims.get(0).min(),
                String.format(
                    Locale.ROOT,
                    "worst run %.2fx; medians %.2fx (p50 %.2f ms with %s vs %.2f ms with %s)",
                    claims.get(1).max() / claims.get(0).min(),
                    claims.get(1).median() / claims.get(0).median(),
                    claims.get(1).median(),
                    claims.get(1).variant(),
                    claims.get(0).median(),
                    claims.get(0).variant())));
    Optional<Row> alone = r.row(9, PGC, null, ConcurrencyLimitScenario.ALONE);
    Optional<Row> beside = r.row(9, PGC, null, ConcurrencyLimitScenario.BESIDE);
    Optional<Row> slower = r.row(9, PGC, null, ConcurrencyLimitScenario.SLOWER);
    String limitTarget = "a concurrency-limited task costs the unlimited ones < 5%";
    // judged on the median of per-run pairs (see ConcurrencyLimitScenario); the medians of the
    // two drains are shown beside it
    checks.add(
        alone.isEmpty() || beside.isEmpty() || slower.isEmpty()
            ? TargetCheck.na(limitTarget, missing(r, 9))
            : TargetCheck.of(
                limitTarget,
                slower.get().median() < 5,
                String.format(
                    Locale.ROOT,
                    "%.0f%% slower, median of runs (medians: %s beside vs %s jobs/s alone, %.0f%%)",
                    slower.get().median(),
                    fmt(beside.get().median()),
                    fmt(alone.get().median()),
                    100 * (1 - beside.get().median() / alone.get().median()))));
    checks.add(
        ratio(
            "default worker config >= 90% of the tuned config: no-op drain",
            drainDefault, drainTuned, 0.9));
    checks.add(
        ratio(
            "default worker config >= 90% of the tuned config: 2-step",
            r.row(5, PGC, DrainScenario.DEFAULT, TP), r.row(5, PGC, DrainScenario.TUNED, TP), 0.9));
    checks.add(
        ratio(
            "default worker config >= 90% of the tuned config: parent+child",
            r.row(6, PGC, DrainScenario.DEFAULT, TP), r.row(6, PGC, DrainScenario.TUNED, TP), 0.9));
    checks.add(
        paired(
            r,
            "metrics on cost the drain < 3% (median of paired runs)",
            DrainScenario.TUNED + DrainScenario.WITH_METRICS,
            DrainScenario.TUNED,
            0.97));
    checks.add(
        paired(
            r,
            "tracing on costs the drain < 3% (median of paired runs)",
            DrainScenario.TUNED + DrainScenario.WITH_TRACING,
            DrainScenario.TUNED,
            0.97));
    // scenario 10's first three variants create as many executions as scenario 2 enqueues
    List<Row> emits = r.subjectRows(10, TP);
    String emitTarget = "emit to 3 subscribers >= 50% of the batch-enqueue rate (executions/s)";
    checks.add(
        emits.size() < 2
            ? TargetCheck.na(emitTarget, missing(r, 10))
            : ratio(emitTarget, Optional.of(emits.get(1)), r.row(2, PGC, null, TP), 0.5));
    String cronTarget = "cron lateness p99 < 100 ms (1,000 schedules each second, default config)";
    checks.add(
        r.row(11, PGC, null, "lateness p99")
            .map(
                row ->
                    TargetCheck.of(
                        cronTarget,
                        row.max() < 100,
                        String.format(
                            Locale.ROOT,
                            "worst run %.0f ms, median %.0f ms",
                            row.max(),
                            row.median())))
            .orElse(TargetCheck.na(cronTarget, missing(r, 11))));
    String rowTarget =
        "bulk insert with a row-change subscriber takes <= 3x the time of one without";
    Optional<Row> bare =
        r.row(12, PGC, RowTriggerScenario.BULK_INSERT + RowTriggerScenario.NONE, TP);
    Optional<Row> subscribed =
        r.row(12, PGC, RowTriggerScenario.BULK_INSERT + RowTriggerScenario.ONE, TP);
    checks.add(
        bare.isEmpty() || subscribed.isEmpty()
            ? TargetCheck.na(rowTarget, missing(r, 12))
            : TargetCheck.of(
                rowTarget,
                bare.get().max() <= 3 * subscribed.get().min(),
                String.format(
                    Locale.ROOT,
                    "worst run %.2fx; medians %.2fx (%s vs %s rows/s)",
                    bare.get().max() / subscribed.get().min(),
                    bare.get().median() / subscribed.get().median(),
                    fmt(subscribed.get().median()),
                    fmt(bare.get().median()))));
    checks.add(
        ratio(
            "batch handler of 100 (default config) >= the tuned no-op drain rate",
            r.row(13, PGC, DrainScenario.DEFAULT, TP),
            drainTuned,
            1.0));
    // scenario 4's fixed-rate runs of pgconductor
    checks.add(steadyLastVsFirst(r));
    checks.add(steadyP99(r));
    // scenario 14: orchestrators in several JVMs
    for (int queues : List.of(1, 2)) {
      checks.add(manyJvms(r, queues));
    }
    return checks;
  }

  /**
   * Scenario 14's target for one queue layout: the drain rate of 4 orchestrator JVMs against that
   * of one, with the default config; beside it, how much of the 4 JVMs' claims and flushes was
   * spent waiting on locks.
   */
  private static TargetCheck manyJvms(BenchReport r, int queues) {
    String target =
        "4 orchestrator JVMs drain >= 90% of one JVM's rate ("
            + (queues == 1 ? "one queue" : "two queues")
            + ")";
    String four = MultiProcessScenario.variant(4, queues);
    Optional<Row> oneRate = r.row(14, PGC, MultiProcessScenario.variant(1, queues), TP);
    Optional<Row> fourRate = r.row(14, PGC, four, TP);
    if (oneRate.isEmpty() || fourRate.isEmpty()) {
      return TargetCheck.na(target, missing(r, 14));
    }
    double worst = fourRate.get().min() / oneRate.get().max();
    String locks =
        r.row(14, PGC, four, MultiProcessScenario.CLAIM_FLUSH_LOCK_WAITS)
            .map(
                row ->
                    String.format(
                        Locale.ROOT, "; claims and flushes %.1f%% waiting on locks", row.median()))
            .orElse("");
    return TargetCheck.of(
        target,
        worst >= 0.9,
        String.format(
                Locale.ROOT,
                "worst run %.0f%% (%s vs best %s jobs/s); medians %.0f%%",
                100 * worst,
                fmt(fourRate.get().min()),
                fmt(oneRate.get().max()),
                100 * fourRate.get().median() / oneRate.get().median())
            + locks);
  }

  private static TargetCheck vsPeer(
      BenchReport r, String target, Optional<Row> subject, int scenario, double factor) {
    Optional<Row> peer = r.bestPeer(scenario, TP);
    if (subject.isEmpty()) {
      return TargetCheck.na(target, missing(r, scenario));
    }
    if (peer.isEmpty()) {
      return TargetCheck.na(target, "no peer result");
    }
    double worst = subject.get().min() / peer.get().max();
    return TargetCheck.of(
        target,
        worst >= factor,
        String.format(
            Locale.ROOT,
            "worst run %.2fx (%s vs %s's best %s jobs/s); medians %.2fx",
            worst,
            fmt(subject.get().min()),
            peer.get().system(),
            fmt(peer.get().max()),
            subject.get().median() / peer.get().median()));
  }

  private static TargetCheck vsBound(
      BenchReport r, String target, Optional<Row> subject, int scenario, double share) {
    Optional<Row> bound = r.bound(scenario, TP);
    if (subject.isEmpty()) {
      return TargetCheck.na(target, missing(r, scenario));
    }
    if (bound.isEmpty()) {
      return TargetCheck.na(target, "no raw-SQL bound result");
    }
    double worst = subject.get().min() / bound.get().max();
    return TargetCheck.of(
        target,
        worst >= share,
        String.format(
            Locale.ROOT,
            "worst run %.0f%% (%s vs the bound's best %s jobs/s); medians %.0f%%",
            100 * worst,
            fmt(subject.get().min()),
            fmt(bound.get().max()),
            100 * subject.get().median() / bound.get().median()));
  }

  private static TargetCheck ratio(String target, Optional<Row> a, Optional<Row> b, double min) {
    if (a.isEmpty() || b.isEmpty()) {
      return TargetCheck.na(
          target,
          a.isEmpty() ? "not measured (scenario skipped or not run)" : "no tuned drain result");
    }
    double worst = a.get().min() / b.get().max();
    return TargetCheck.of(
        target,
        worst >= min,
        String.format(
            Locale.ROOT,
            "worst run %.0f%% (%s vs best %s jobs/s); medians %.0f%%",
            100 * worst,
            fmt(a.get().min()),
            fmt(b.get().max()),
            100 * a.get().median() / b.get().median()));
  }

  /**
   * A cost target: the variant's runs against the plain drain's runs of the same turns (the runner
   * runs every trial once per turn), judged on the median of the per-turn ratios.
   */
  private static TargetCheck paired(
      BenchReport r, String target, String variant, String plain, double min) {
    Optional<Row> with = r.row(3, PGC, variant, TP);
    Optional<Row> without = r.row(3, PGC, plain, TP);
    if (with.isEmpty() || without.isEmpty()) {
      return TargetCheck.na(target, "not measured (scenario 3 without the option that adds it)");
    }
    int n = Math.min(with.get().values().length, without.get().values().length);
    double[] ratios = new double[n];
    for (int i = 0; i < n; i++) {
      ratios[i] = with.get().values()[i] / without.get().values()[i];
    }
    double median = Percentiles.median(ratios);
    return TargetCheck.of(
        target,
        median >= min,
        String.format(
            Locale.ROOT,
            "%.0f%% of the plain drain (median of %d pairs; medians %s vs %s jobs/s)",
            100 * median,
            n,
            fmt(with.get().median()),
            fmt(without.get().median())));
  }

  /**
   * The 2-step target, with the same ratio of the raw-SQL bounds beside it when both ran: how much
   * of the no-op rate two durable step rows per job leave Postgres itself.
   */
  private static TargetCheck twoStep(BenchReport r, Optional<Row> drainTuned) {
    TargetCheck check =
        ratio(
            "2-step >= 75% of no-op drain",
            r.row(5, PGC, DrainScenario.TUNED, TP), drainTuned, 0.75);
    Optional<Row> stepBound = r.bound(5, TP);
    Optional<Row> drainBound = r.bound(3, TP);
    if (check.status().equals("n/a") || stepBound.isEmpty() || drainBound.isEmpty()) {
      return check;
    }
    return new TargetCheck(
        check.target(),
        check.measured()
            + String.format(
                Locale.ROOT,
                "; raw SQL: %.0f%% (%s vs %s jobs/s)",
                100 * stepBound.get().median() / drainBound.get().median(),
                fmt(stepBound.get().median()),
                fmt(drainBound.get().median())),
        check.status());
  }

  private static TargetCheck limit(BenchReport r, String target, String metric, double maxMs) {
    return r.row(7, PGC, null, metric)
        .map(
            row ->
                TargetCheck.of(
                    target,
                    row.max() < maxMs,
                    String.format(
                        Locale.ROOT, "worst run %.2f ms, median %.2f ms", row.max(), row.median())))
        .orElse(TargetCheck.na(target, missing(r, 7)));
  }

  private static String missing(BenchReport r, int scenario) {
    return r.trials().stream()
        .filter(t -> t.scenario() == scenario && t.system().equals(PGC))
        .filter(t -> t.skipped() != null || t.error() != null)
        .map(t -> t.skipped() != null ? "skipped: " + t.skipped() : "error: " + t.error())
        .findFirst()
        .orElse("scenario " + scenario + " not run");
  }

  static String fmt(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }

  /** pgconductor's row of a metric in scenario 4's fixed-rate run at {@code percent}% load. */
  private static Optional<Row> fixedRate(BenchReport r, int percent, String metric) {
    String variant = SteadyStateScenario.fixedVariant(percent);
    return r.subjectRows(4, metric).stream()
        .filter(row -> row.variant().startsWith(variant))
        .findFirst();
  }

  /** The worst run of either load decides. */
  private static TargetCheck steadyLastVsFirst(BenchReport r) {
    String target = "steady state: last interval >= 95% of the first (50% and 90% load)";
    Optional<Row> half = fixedRate(r, SteadyStateScenario.HALF, SteadyStateScenario.LAST_VS_FIRST);
    Optional<Row> high = fixedRate(r, SteadyStateScenario.HIGH, SteadyStateScenario.LAST_VS_FIRST);
    if (half.isEmpty() || high.isEmpty()) {
      return TargetCheck.na(target, missing(r, 4));
    }
    boolean halfWorse = half.get().min() <= high.get().min();
    double worst = Math.min(half.get().min(), high.get().min());
    return TargetCheck.of(
        target,
        worst >= 95,
        String.format(
            Locale.ROOT,
            "worst run %.1f%% (at %d%% load); medians %.1f%% at 50%%, %.1f%% at 90%%",
            worst,
            halfWorse ? SteadyStateScenario.HALF : SteadyStateScenario.HIGH,
            half.get().median(),
            high.get().median()));
  }

  private static TargetCheck steadyP99(BenchReport r) {
    String target = "steady state at 50% load: latency p99 < 20 ms";
    return fixedRate(r, SteadyStateScenario.HALF, SteadyStateScenario.LATENCY_P99)
        .map(
            row ->
                TargetCheck.of(
                    target,
                    row.max() < 20,
                    String.format(
                        Locale.ROOT, "worst run %.2f ms, median %.2f ms", row.max(), row.median())))
        .orElse(TargetCheck.na(target, missing(r, 4)));
  }
}
