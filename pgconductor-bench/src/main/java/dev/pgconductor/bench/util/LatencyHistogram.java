package dev.pgconductor.bench.util;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Durations counted in log-linear buckets, so that a run of millions of executions keeps a few
 * kilobytes instead of one number each. Values are kept in whole microseconds: exactly below 64 µs,
 * above that in 64 buckets per power of two, so a percentile is off by at most 1/64 (1.6%) of its
 * value; it is reported as the highest value of its bucket (never above the exact maximum, which is
 * kept as well). Safe to record into from many threads at once: one atomic increment per value.
 */
public final class LatencyHistogram {
  private static final int SUB_BITS = 6;
  private static final int SUB = 1 << SUB_BITS;

  /** Values from 2^40 µs (12 days) up go into the last bucket. */
  private static final int MAX_EXPONENT = 40;

  private static final int BUCKETS = (MAX_EXPONENT - SUB_BITS + 1) * SUB;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private final AtomicLong maxMicros = new AtomicLong();

  /** Records one duration; negative ones count as zero. */
  public void record(long nanos) {
    long micros = Math.max(0, nanos / 1_000);
    counts.incrementAndGet(index(micros));
    maxMicros.accumulateAndGet(micros, Math::max);
  }

  /** Adds everything {@code other} recorded to this one. */
  public void add(LatencyHistogram other) {
    for (int i = 0; i < BUCKETS; i++) {
      long c = other.counts.get(i);
      if (c != 0) {
        counts.addAndGet(i, c);
      }
    }
    maxMicros.accumulateAndGet(other.maxMicros.get(), Math::max);
  }

  /** How many durations were recorded. */
  public long count() {
    long n = 0;
    for (int i = 0; i < BUCKETS; i++) {
      n += counts.get(i);
    }
    return n;
  }

  /** The longest duration recorded, in milliseconds (to the microsecond); NaN when empty. */
  public double maxMillis() {
    return count() == 0 ? Double.NaN : maxMicros.get() / 1e3;
  }

  /** The {@code p}-th percentile (0–100, nearest rank) in milliseconds; NaN when empty. */
  public double percentileMillis(double p) {
    long total = count();
    if (total == 0) {
      return Double.NaN;
    }
    long rank = Math.max(1, (long) Math.ceil(p / 100.0 * total));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts.get(i);
      if (seen >= rank) {
        return Math.min(highestIn(i), maxMicros.get()) / 1e3;
      }
    }
    return maxMicros.get() / 1e3;
  }

  static int index(long micros) {
    if (micros < SUB) {
      return (int) micros;
    }
    int exponent = 63 - Long.numberOfLeadingZeros(micros);
    if (exponent >= MAX_EXPONENT) {
      return BUCKETS - 1;
    }
    long top = micros >>> (exponent - SUB_BITS); // SUB .. 2*SUB-1
    return (exponent - SUB_BITS + 1) * SUB + (int) (top - SUB);
  }

  /** The highest value (µs) that falls into bucket {@code index}. */
  static long highestIn(int index) {
    if (index < SUB) {
      return index;
    }
    int exponent = index / SUB + SUB_BITS - 1;
    long top = index % SUB + SUB;
    int shift = exponent - SUB_BITS;
    return ((top + 1) << shift) - 1;
  }
}
