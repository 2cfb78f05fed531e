package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private static final Exception FAILURE = new IllegalStateException("down");

  @Test
  void theDefaultWaits15Then30Then60Seconds() {
    assertThat(RetryPolicy.DEFAULT.delay(1, FAILURE)).contains(Duration.ofSeconds(15));
    assertThat(RetryPolicy.DEFAULT.delay(2, FAILURE)).contains(Duration.ofSeconds(30));
    assertThat(RetryPolicy.DEFAULT.delay(3, FAILURE)).contains(Duration.ofSeconds(60));
    assertThat(RetryPolicy.DEFAULT.delay(40, FAILURE)).contains(Duration.ofSeconds(60));
  }

  @Test
  void exponentialGrowsByItsFactorAndStopsAtItsCap() {
    var policy = RetryPolicy.exponential(Duration.ofMillis(500), 3, Duration.ofSeconds(10));
    assertThat(policy.delay(1, FAILURE)).contains(Duration.ofMillis(500));
    assertThat(policy.delay(2, FAILURE)).contains(Duration.ofMillis(1500));
    assertThat(policy.delay(3, FAILURE)).contains(Duration.ofMillis(4500));
    assertThat(policy.delay(4, FAILURE)).contains(Duration.ofSeconds(10));
    assertThat(policy.delay(1_000, FAILURE)).contains(Duration.ofSeconds(10));
  }

  @Test
  void jitterStaysWithinItsFractionAndVaries() {
    var policy = RetryPolicy.fixed(Duration.ofSeconds(10)).withJitter(0.2);
    var seen = new java.util.HashSet<Duration>();
    for (int i = 0; i < 200; i++) {
      Duration d = policy.delay(1, FAILURE).orElseThrow();
      assertThat(d).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(12));
      seen.add(d);
    }
    assertThat(seen).hasSizeGreaterThan(10);
  }

  @Test
  void noneAndRefusedTypesAreNotRetried() {
    assertThat(RetryPolicy.none().delay(1, FAILURE)).isEmpty();
    var policy = RetryPolicy.DEFAULT.notRetrying(IllegalArgumentException.class);
    assertThat(policy.delay(1, new NumberFormatException("x"))).isEmpty(); // a subtype
    assertThat(policy.delay(1, new RuntimeException(new IllegalArgumentException()))).isEmpty();
    assertThat(policy.delay(1, FAILURE)).contains(Duration.ofSeconds(15));
  }

  @Test
  void badArgumentsAreRefusedWithTheirName() {
    assertThatThrownBy(() -> RetryPolicy.fixed())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one");
    assertThatThrownBy(() -> RetryPolicy.exponential(Duration.ofSeconds(5), Duration.ofSeconds(1)))
        .hasMessageContaining("cap");
    assertThatThrownBy(() -> RetryPolicy.DEFAULT.withJitter(1.5)).hasMessageContaining("jitter");
    assertThatThrownBy(
            () -> RetryPolicy.exponential(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(2)))
        .hasMessageContaining("factor");
  }

  @Test
  void policiesAreValues() {
    assertThat(
            RetryPolicy.fixed(
                Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofSeconds(60)))
        .isEqualTo(RetryPolicy.DEFAULT);
    assertThat(TaskOptions.named("t").retry(RetryPolicy.none()))
        .isEqualTo(TaskOptions.named("t").retry(RetryPolicy.none()))
        .isNotEqualTo(TaskOptions.named("t"));
  }
}
