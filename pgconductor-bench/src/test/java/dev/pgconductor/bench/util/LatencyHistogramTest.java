package dev.pgconductor.bench.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {
  @Test
  void bucketsAreContiguousAndHoldTheirValues() {
    for (long micros = 0; micros < 1 << 22; micros++) {
      int i = LatencyHistogram.index(micros);
      assertThat(LatencyHistogram.highestIn(i)).isGreaterThanOrEqualTo(micros);
      if (i > 0) {
        assertThat(LatencyHistogram.highestIn(i - 1)).isLessThan(micros);
      }
    }
  }

  @Test
  void percentilesAreWithinOneBucketOfTheExactOnes() {
    Random random = new Random(42);
    LatencyHistogram h = new LatencyHistogram();
    long[] values = new long[100_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = (long) (Math.exp(random.nextGaussian() * 1.5 + 8) * 1_000); // ~3 ms median, in ns
      h.record(values[i]);
    }
    assertThat(h.count()).isEqualTo(values.length);
    for (double p : new double[] {1, 50, 90, 99, 99.9, 100}) {
      double exact = Percentiles.percentile(values, p) / 1e6;
      assertThat(h.percentileMillis(p)).as("p%s", p).isCloseTo(exact, within(exact / 60 + 0.001));
    }
    assertThat(h.maxMillis()).isCloseTo(Percentiles.percentile(values, 100) / 1e6, within(0.001));
  }

  @Test
  void anEmptyHistogramHasNoPercentiles() {
    assertThat(new LatencyHistogram().percentileMillis(50)).isNaN();
    assertThat(new LatencyHistogram().maxMillis()).isNaN();
  }

  @Test
  void intervalsAreChosenByWhenTheLatencyEnded() {
    IntervalLatencies l = new IntervalLatencies(1_000, 100, 3);
    l.record(950, 1_050); // interval 0
    l.record(1_000, 1_250); // interval 2
    l.record(1_000, 1_300); // after the run
    l.record(1_000, 999); // before the start: counted in the first
    assertThat(l.interval(0).count()).isEqualTo(2);
    assertThat(l.interval(1).count()).isZero();
    assertThat(l.interval(2).count()).isEqualTo(1);
    assertThat(l.tail().count()).isEqualTo(1);
    assertThat(l.overall().count()).isEqualTo(4);
    assertThat(l.count()).isEqualTo(4);
  }
}
