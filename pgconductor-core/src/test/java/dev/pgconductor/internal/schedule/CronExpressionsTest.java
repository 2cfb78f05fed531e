package dev.pgconductor.internal.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CronExpressionsTest {

  @Test
  void occurrencesFallOnWholeSecondsWhateverTheFractionOfTheStart() {
    Instant after = Instant.parse("2026-12-07T10:00:00.512345Z");
    assertThat(CronExpressions.next("* * * * * *", ZoneOffset.UTC, after))
        .contains(Instant.parse("2026-12-07T10:00:01Z"));
    assertThat(CronExpressions.next("*/15 * * * * *", ZoneOffset.UTC, after))
        .contains(Instant.parse("2026-12-07T10:00:15Z"));
    assertThat(CronExpressions.next("* * * * *", ZoneOffset.UTC, after))
        .contains(Instant.parse("2026-12-07T10:01:00Z"));
  }

  @Test
  void theNextOccurrenceIsStrictlyAfterTheStart() {
    Instant onTheSecond = Instant.parse("2026-12-07T10:00:05Z");
    assertThat(CronExpressions.next("* * * * * *", ZoneOffset.UTC, onTheSecond))
        .contains(Instant.parse("2026-12-07T10:00:06Z"));
    assertThat(CronExpressions.next("0 9 * * *", ZoneId.of("Europe/Paris"), onTheSecond))
        .contains(Instant.parse("2026-12-08T08:00:00Z"));
  }
}
