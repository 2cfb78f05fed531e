package dev.pgconductor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TimeArgumentTest {
  static final Clock CLOCK = Clock.fixed(Instant.parse("2025-05-01T12:00:00Z"), ZoneOffset.UTC);

  @ParameterizedTest
  @CsvSource({
    "90s,PT1M30S",
    "15m,PT15M",
    "1h30m,PT1H30M",
    "2d,PT48H",
    "1w,PT168H",
    "500ms,PT0.5S",
    "PT1H,PT1H",
    "pt10m,PT10M",
    "P1D,PT24H"
  })
  void durations(String text, String iso) {
    assertThat(TimeArgument.parseDuration(text)).isEqualTo(Duration.parse(iso));
  }

  @Test
  void instantsAndRelativeTimes() {
    assertThat(TimeArgument.parse("2025-04-01T10:00:00Z").ago(CLOCK))
        .isEqualTo(Instant.parse("2025-04-01T10:00:00Z"));
    assertThat(TimeArgument.parse("2025-04-01T12:00:00+02:00").ago(CLOCK))
        .isEqualTo(Instant.parse("2025-04-01T10:00:00Z"));
    assertThat(TimeArgument.parse("2025-04-01").ago(CLOCK))
        .isEqualTo(Instant.parse("2025-04-01T00:00:00Z"));
    assertThat(TimeArgument.parse("1h").ago(CLOCK))
        .isEqualTo(Instant.parse("2025-05-01T11:00:00Z"));
    assertThat(TimeArgument.parse("10m").fromNow(CLOCK))
        .isEqualTo(Instant.parse("2025-05-01T12:10:00Z"));
  }

  @Test
  void somethingElseIsRefusedWithTheFormsItTakes() {
    assertThatThrownBy(() -> TimeArgument.parse("yesterday"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "'yesterday' is neither an instant (2025-05-01T12:00:00Z) nor a duration (90s, 15m,"
                + " 1h30m, 2d)");
    assertThat(TimeArgument.parseDuration("1x")).isNull();
    assertThat(TimeArgument.parseDuration("h")).isNull();
  }
}
