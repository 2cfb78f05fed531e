package dev.pgconductor.bench;

/**
 * One number a trial produced, e.g. a throughput in jobs/s or a latency percentile in ms.
 *
 * @param metric what was measured ("throughput", "pickup p50", …)
 * @param unit unit of {@code value} ("jobs/s", "ms")
 * @param value the number
 * @param higherIsBetter whether a larger value is a better result
 */
public record Sample(String metric, String unit, double value, boolean higherIsBetter) {
  public static final String THROUGHPUT = "throughput";
  public static final String JOBS_PER_SECOND = "jobs/s";

  /** Jobs per second: {@code jobs} done in {@code nanos}. */
  public static Sample throughput(long jobs, long nanos) {
    return throughput(jobs * 1e9 / Math.max(1, nanos));
  }

  /** A throughput in jobs/s. */
  public static Sample throughput(double jobsPerSecond) {
    return new Sample(THROUGHPUT, JOBS_PER_SECOND, jobsPerSecond, true);
  }

  /** A latency in milliseconds (lower is better). */
  public static Sample millis(String metric, double millis) {
    return new Sample(metric, "ms", millis, false);
  }
}
