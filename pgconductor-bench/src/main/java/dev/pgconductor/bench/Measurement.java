package dev.pgconductor.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run of a trial produced: its samples, and optional details that explain them (e.g. how
 * many claim round trips a drain took), which go to the JSON report only.
 *
 * @param samples the measured numbers, the first being the scenario's main metric
 * @param details diagnostic numbers by name
 */
public record Measurement(List<Sample> samples, Map<String, Double> details) {
  public Measurement {
    samples = List.copyOf(samples);
    details = new LinkedHashMap<>(details);
  }

  /** A measurement of samples without details. */
  public static Measurement of(Sample... samples) {
    return new Measurement(List.of(samples), Map.of());
  }

  /** This measurement with one more detail. */
  public Measurement withDetail(String name, double value) {
    Map<String, Double> more = new LinkedHashMap<>(details);
    more.put(name, value);
    return new Measurement(samples, more);
  }
}
