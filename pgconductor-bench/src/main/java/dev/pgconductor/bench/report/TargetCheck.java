package dev.pgconductor.bench.report;

/**
 * One target, checked.
 *
 * @param target the target as stated
 * @param measured what was measured, as text (e.g. "1.8× (14,200 vs 7,900 jobs/s)")
 * @param status "PASS", "FAIL" or "n/a"
 */
public record TargetCheck(String target, String measured, String status) {
  static TargetCheck na(String target, String why) {
    return new TargetCheck(target, why, "n/a");
  }

  static TargetCheck of(String target, boolean pass, String measured) {
    return new TargetCheck(target, measured, pass ? "PASS" : "FAIL");
  }
}
