package dev.pgconductor.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When an idle fetcher wakes for work it wrote that becomes due later. */
class DueTimesTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void anIdleFetcherSleepsUntilTheEarliestDueTime() {
    DueTimes due = new DueTimes();
    assertThat(due.millisUntilNext(T, T)).isEqualTo(Long.MAX_VALUE);
    assertThat(due.add(T.plusMillis(500))).isTrue();
    assertThat(due.add(T.plusMillis(900))).as("not the earliest").isFalse();
    assertThat(due.add(T.plusMillis(300))).isTrue();
    assertThat(due.millisUntilNext(T, T)).isEqualTo(301);
  }

  @Test
  void aSlowClaimThatBeganBeforeTheDueTimeDoesNotMakeTheFetcherMissIt() {
    DueTimes due = new DueTimes();
    due.add(T.plusMillis(300));
    // the claim began 5 ms early and came back empty 150 ms after the due time
    assertThat(due.millisUntilNext(T.plusMillis(450), T.plusMillis(295)))
        .as("claims again soon")
        .isBetween(1L, 50L);
  }

  @Test
  void aDueTimeIsForgottenOnceAClaimBegunWellAfterItCameBack() {
    DueTimes due = new DueTimes();
    due.add(T.plusMillis(300));
    due.add(T.plusMillis(5_000));
    // just after it, the clocks of JVM and database may differ a little: claim again soon
    assertThat(due.millisUntilNext(T.plusMillis(330), T.plusMillis(310))).isBetween(1L, 50L);
    // a claim that began long after it found nothing: its work was taken elsewhere
    assertThat(due.millisUntilNext(T.plusMillis(700), T.plusMillis(600))).isEqualTo(4_301);
  }
}
