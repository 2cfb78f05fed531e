package dev.pgconductor.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** How times, durations and texts are shown to people. */
final class Formats {
  private Formats() {}

  /** An instant in UTC to the second, ISO-8601 ({@code 2025-05-01T12:00:03Z}). */
  static String instant(Instant instant) {
    if (instant == null) {
      return null;
    }
    if (instant.equals(Instant.MAX)) {
      return "never";
    }
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.SECONDS));
  }

  /**
   * A duration, short: {@code 850ms}, {@code 12s}, {@code 4m05s}, {@code 1h}, {@code 3h02m}, {@code
   * 2d04h}.
   */
  static String duration(Duration d) {
    if (d == null) {
      return null;
    }
    if (d.isNegative()) {
      return "-" + duration(d.negated());
    }
    long seconds = d.toSeconds();
    if (seconds < 1) {
      return d.toMillis() + "ms";
    }
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return two(seconds / 60, "m", seconds % 60, "s");
    }
    if (seconds < 86400) {
      return two(seconds / 3600, "h", (seconds % 3600) / 60, "m");
    }
    return two(seconds / 86400, "d", (seconds % 86400) / 3600, "h");
  }

  private static String two(long major, String majorUnit, long minor, String minorUnit) {
    return minor == 0
        ? major + majorUnit
        : "%d%s%02d%s".formatted(major, majorUnit, minor, minorUnit);
  }

  /** The first line of a text, cut to {@code max} characters with an ellipsis. */
  static String firstLine(String text, int max) {
    if (text == null) {
      return null;
    }
    String line = text.strip().lines().findFirst().orElse("");
    return line.length() <= max ? line : line.substring(0, max - 1) + "…";
  }
}
