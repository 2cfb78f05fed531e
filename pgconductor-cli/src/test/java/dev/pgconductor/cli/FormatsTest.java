package dev.pgconductor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FormatsTest {
  @Test
  void durationsAreShort() {
    assertThat(Formats.duration(Duration.ofMillis(850))).isEqualTo("850ms");
    assertThat(Formats.duration(Duration.ofSeconds(12))).isEqualTo("12s");
    assertThat(Formats.duration(Duration.ofSeconds(245))).isEqualTo("4m05s");
    assertThat(Formats.duration(Duration.ofHours(1))).isEqualTo("1h");
    assertThat(Formats.duration(Duration.ofMinutes(182))).isEqualTo("3h02m");
    assertThat(Formats.duration(Duration.ofHours(52))).isEqualTo("2d04h");
    assertThat(Formats.duration(null)).isNull();
  }

  @Test
  void instantsAreUtcToTheSecond() {
    assertThat(Formats.instant(Instant.parse("2025-05-01T12:00:03.999Z")))
        .isEqualTo("2025-05-01T12:00:03Z");
  }

  @Test
  void firstLinesAreCut() {
    assertThat(Formats.firstLine("boom\n\tat x", 60)).isEqualTo("boom");
    assertThat(Formats.firstLine("abcdef", 4)).isEqualTo("abc…");
  }

  @Test
  void tablesAlignColumnsAndNumbersToTheRight() {
    StringWriter text = new StringWriter();
    new Table("NAME", ">COUNT", "NOTE")
        .row("default", 3, null)
        .row("a-much-longer-queue", 12345, "two\nlines")
        .print(new PrintWriter(text), "");
    assertThat(text.toString())
        .isEqualTo(
            """
            NAME                 COUNT  NOTE
            default                  3  -
            a-much-longer-queue  12345  two lines
            """);
  }
}
