package dev.pgconductor.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run of a trial produced: its samples, and optional details that explain them (e.g. how
 * many claim round trips a drain took, or the figures of every interval of a timed run), which go
 * to the JSON report only.
 *
 * @param samples the measured numbers, the first being the scenario's main metric
 * @param details diagnostic numbers by name
 * @param lists diagnostic tables by name, each a list of rows (e.g. one per interval of a timed
 *     run, or one per table whose size was taken)
 */
public record Measurement(
    List<Sample> samples,
    Map<String, Double> details,
    Map<String, List<Map<String, Object>>> lists) {
  public Measurement {
    samples = List.copyOf(samples);
    details = new LinkedHashMap<>(details);
    lists = new LinkedHashMap<>(lists);
  }

  /** A measurement of samples and details, without lists. */
  public Measurement(List<Sample> samples, Map<String, Double> details) {
    this(samples, details, Map.of());
  }

  /** A measurement of samples without details. */
  public static Measurement of(Sample... samples) {
    return new Measurement(List.of(samples), Map.of());
  }

  /** This measurement with one more detail. */
  public Measurement withDetail(String name, double value) {
    Map<String, Double> more = new LinkedHashMap<>(details);
    more.put(name, value);
    return new Measurement(samples, more, lists);
  }

  /** This measurement with one more list of rows. */
  public Measurement withList(String name, List<Map<String, Object>> rows) {
    Map<String, List<Map<String, Object>>> more = new LinkedHashMap<>(lists);
    more.put(name, List.copyOf(rows));
    return new Measurement(samples, details, more);
  }
}
