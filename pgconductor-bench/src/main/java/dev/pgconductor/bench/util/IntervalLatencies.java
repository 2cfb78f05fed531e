package dev.pgconductor.bench.util;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Latencies of a timed run, split into equal intervals by when each one ended: a {@link
 * LatencyHistogram} per interval, and one more for what ended after the run (its tail). Memory
 * stays the same however long the run is.
 */
public final class IntervalLatencies {
  private final long start;
  private final long intervalNanos;
  private final LatencyHistogram[] intervals;
  private final LatencyHistogram tail = new LatencyHistogram();
  private final AtomicLong recorded = new AtomicLong();

  /**
   * @param start {@link System#nanoTime()} at which the first interval begins
   * @param intervalNanos length of an interval
   * @param intervals how many intervals the run has
   */
  public IntervalLatencies(long start, long intervalNanos, int intervals) {
    if (intervalNanos <= 0 || intervals < 1) {
      throw new IllegalArgumentException("intervals must be positive");
    }
    this.start = start;
    this.intervalNanos = intervalNanos;
    this.intervals = new LatencyHistogram[intervals];
    for (int i = 0; i < intervals; i++) {
      this.intervals[i] = new LatencyHistogram();
    }
  }

  /**
   * Records one latency, from {@code fromNanos} to {@code endNanos} (both {@link
   * System#nanoTime()}), in the interval {@code endNanos} falls in.
   */
  public void record(long fromNanos, long endNanos) {
    long i = Math.floorDiv(endNanos - start, intervalNanos);
    LatencyHistogram h = i >= intervals.length ? tail : intervals[(int) Math.max(0, i)];
    h.record(endNanos - fromNanos);
    recorded.incrementAndGet();
  }

  /** How many latencies were recorded, in every interval and the tail. */
  public long count() {
    return recorded.get();
  }

  public int intervals() {
    return intervals.length;
  }

  /** The histogram of interval {@code i} (0-based). */
  public LatencyHistogram interval(int i) {
    return intervals[i];
  }

  /** The histogram of what ended after the last interval. */
  public LatencyHistogram tail() {
    return tail;
  }

  /** Every interval and the tail merged. */
  public LatencyHistogram overall() {
    LatencyHistogram all = new LatencyHistogram();
    for (LatencyHistogram h : intervals) {
      all.add(h);
    }
    all.add(tail);
    return all;
  }
}
