package dev.pgconductor.bench.report;

import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Trial;
import java.util.List;

/**
 * What came of one trial: its runs' measurements, or why it was skipped, or the error that ended it
 * (runs before the error are kept).
 *
 * @param scenario scenario number
 * @param title scenario title
 * @param system system name
 * @param variant variant label
 * @param role subject, peer or bound
 * @param runs one measurement per completed run
 * @param skipped reason the trial did not run, or null
 * @param error message of the failure that ended the trial, or null
 */
public record TrialResult(
    int scenario,
    String title,
    String system,
    String variant,
    Trial.Role role,
    List<Measurement> runs,
    String skipped,
    String error) {
  public TrialResult {
    runs = List.copyOf(runs);
  }

  /** "ok", "skipped" or "error". */
  public String status() {
    return skipped != null ? "skipped" : error != null ? "error" : "ok";
  }
}
