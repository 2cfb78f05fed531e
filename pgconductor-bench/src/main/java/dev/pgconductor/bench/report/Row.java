package dev.pgconductor.bench.report;

import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.util.Percentiles;
import java.util.Arrays;

/**
 * One line of the results table: one metric of one trial, summarised over its runs.
 *
 * @param scenario scenario number
 * @param title scenario title
 * @param system system name
 * @param variant variant label
 * @param role subject, peer or bound
 * @param metric metric name ("throughput", "pickup p50", …), or "-" for a skipped/failed trial
 * @param unit unit of the values
 * @param higherIsBetter whether larger values are better
 * @param values one value per run
 * @param status "ok", "skipped" or "error"
 * @param note skip reason or error message, else null
 */
public record Row(
    int scenario,
    String title,
    String system,
    String variant,
    Trial.Role role,
    String metric,
    String unit,
    boolean higherIsBetter,
    double[] values,
    String status,
    String note) {

  public boolean hasValues() {
    return values.length > 0;
  }

  public double median() {
    return Percentiles.median(values);
  }

  public double min() {
    return Arrays.stream(values).min().orElse(Double.NaN);
  }

  public double max() {
    return Arrays.stream(values).max().orElse(Double.NaN);
  }
}
