package dev.pgconductor.bench.util;

import java.util.Arrays;

/** Collects durations (nanoseconds) from many threads and reports percentiles in milliseconds. */
public final class LatencyRecorder {
  private long[] values = new long[1024];
  private int size;

  /** Records one duration. */
  public synchronized void record(long nanos) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = nanos;
  }

  /** Forgets everything recorded so far. */
  public synchronized void reset() {
    size = 0;
  }

  public synchronized int count() {
    return size;
  }

  /** The {@code p}-th percentile (0–100, nearest rank) in milliseconds; NaN when empty. */
  public synchronized double percentileMillis(double p) {
    return Percentiles.percentile(Arrays.copyOf(values, size), p) / 1e6;
  }

  /** Mean in milliseconds; NaN when empty. */
  public synchronized double meanMillis() {
    if (size == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (int i = 0; i < size; i++) {
      sum += values[i];
    }
    return sum / size / 1e6;
  }
}
