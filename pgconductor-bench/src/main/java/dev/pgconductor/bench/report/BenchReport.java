package dev.pgconductor.bench.report;

import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.Trial;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one benchmark run produced: the environment, the trial results, the table rows derived
 * from them and the targets checked against them.
 *
 * @param environment machine, JVM, server and option facts, in print order
 * @param peerSettings how each peer was set up, by name
 * @param trials the trial results in run order
 */
public record BenchReport(
    Map<String, String> environment, Map<String, String> peerSettings, List<TrialResult> trials) {
  public BenchReport {
    environment = new LinkedHashMap<>(environment);
    peerSettings = new LinkedHashMap<>(peerSettings);
    trials = List.copyOf(trials);
  }

  /** One row per metric per trial (a single row for a skipped or failed trial without runs). */
  public List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (TrialResult t : trials) {
      if (t.runs().isEmpty()) {
        rows.add(
            new Row(
                t.scenario(),
                t.title(),
                t.system(),
                t.variant(),
                t.role(),
                "-",
                "",
                true,
                new double[0],
                t.status(),
                t.skipped() != null ? t.skipped() : t.error()));
        continue;
      }
      List<Sample> first = t.runs().getFirst().samples();
      for (int i = 0; i < first.size(); i++) {
        Sample s = first.get(i);
        double[] values = new double[t.runs().size()];
        for (int r = 0; r < values.length; r++) {
          values[r] = t.runs().get(r).samples().get(i).value();
        }
        rows.add(
            new Row(
                t.scenario(),
                t.title(),
                t.system(),
                t.variant(),
                t.role(),
                s.metric(),
                s.unit(),
                s.higherIsBetter(),
                values,
                t.status(),
                t.error()));
      }
    }
    return rows;
  }

  /** The row of a system's metric in a scenario; {@code variant} null matches the first. */
  public Optional<Row> row(int scenario, String system, String variant, String metric) {
    return rows().stream()
        .filter(
            r -> r.scenario() == scenario && r.system().equals(system) && r.metric().equals(metric))
        .filter(r -> variant == null || r.variant().equals(variant))
        .filter(Row::hasValues)
        .findFirst();
  }

  /** pgconductor's rows of a metric in a scenario, in variant order. */
  public List<Row> subjectRows(int scenario, String metric) {
    return rows().stream()
        .filter(r -> r.scenario() == scenario && r.role() == Trial.Role.SUBJECT)
        .filter(r -> r.metric().equals(metric) && r.hasValues())
        .toList();
  }

  /** The best peer (not bound) row of a metric in a scenario. */
  public Optional<Row> bestPeer(int scenario, String metric) {
    return rows().stream()
        .filter(r -> r.scenario() == scenario && r.role() == Trial.Role.PEER)
        .filter(r -> r.metric().equals(metric) && r.hasValues())
        .max(
            (a, b) ->
                a.higherIsBetter()
                    ? Double.compare(a.median(), b.median())
                    : Double.compare(b.median(), a.median()));
  }

  /** The raw-SQL bound row of a metric in a scenario. */
  public Optional<Row> bound(int scenario, String metric) {
    return rows().stream()
        .filter(r -> r.scenario() == scenario && r.role() == Trial.Role.BOUND)
        .filter(r -> r.metric().equals(metric) && r.hasValues())
        .findFirst();
  }

  /** The trial a row comes from. */
  public Optional<TrialResult> trial(Row row) {
    return trials.stream()
        .filter(
            t ->
                t.scenario() == row.scenario()
                    && t.system().equals(row.system())
                    && t.variant().equals(row.variant()))
        .findFirst();
  }

  /** The targets, checked against this run. */
  public List<TargetCheck> targets() {
    return Targets.check(this);
  }

  /** Details and lists of every run of a trial, for the JSON report. */
  static List<Map<String, Object>> details(TrialResult t) {
    return t.runs().stream()
        .map(
            m -> {
              Map<String, Object> all = new LinkedHashMap<>(m.details());
              all.putAll(m.lists());
              return all;
            })
        .toList();
  }
}
