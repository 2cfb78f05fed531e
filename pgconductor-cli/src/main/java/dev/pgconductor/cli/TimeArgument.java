package dev.pgconductor.cli;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A time given on the command line: an instant ({@code 2025-05-01T12:00:00Z}, an offset date-time
 * such as {@code 2025-05-01T14:00:00+02:00}, or a date, meaning its start in UTC), or a duration
 * relative to now ({@code 90s}, {@code 15m}, {@code 1h30m}, {@code 2d}, {@code 500ms}, or ISO-8601
 * {@code PT1H}).
 *
 * @param instant the instant, when one was given
 * @param offset the duration, when one was given
 */
record TimeArgument(Instant instant, Duration offset) {
  private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");
  private static final Pattern SHORT = Pattern.compile("(\\d+(ms|s|m|h|d|w))+");

  /** The instant this is, for a duration counted back from now ({@code --since 1h}). */
  public Instant ago(Clock clock) {
    return instant != null ? instant : clock.instant().minus(offset);
  }

  /** The instant this is, for a duration counted forward from now ({@code --run-at 10m}). */
  public Instant fromNow(Clock clock) {
    return instant != null ? instant : clock.instant().plus(offset);
  }

  /** Parses a time as described above. */
  public static TimeArgument parse(String text) {
    String s = text.strip();
    Duration d = parseDuration(s);
    if (d != null) {
      return new TimeArgument(null, d);
    }
    try {
      return new TimeArgument(OffsetDateTime.parse(s).toInstant(), null);
    } catch (DateTimeException ignored) {
      // next form
    }
    try {
      return new TimeArgument(Instant.parse(s), null);
    } catch (DateTimeException ignored) {
      // next form
    }
    try {
      return new TimeArgument(LocalDate.parse(s).atStartOfDay().toInstant(ZoneOffset.UTC), null);
    } catch (DateTimeException ignored) {
      // not a time
    }
    throw new IllegalArgumentException(
        "'"
            + text
            + "' is neither an instant (2025-05-01T12:00:00Z) nor a duration (90s, 15m, 1h30m, 2d)");
  }

  /** A duration in the short form ({@code 1h30m}) or ISO-8601 ({@code PT1H}); null otherwise. */
  public static Duration parseDuration(String text) {
    String s = text.strip().toLowerCase(Locale.ROOT);
    if (SHORT.matcher(s).matches()) {
      Duration total = Duration.ZERO;
      Matcher m = PART.matcher(s);
      while (m.find()) {
        long n = Long.parseLong(m.group(1));
        total =
            total.plus(
                switch (m.group(2)) {
                  case "ms" -> Duration.ofMillis(n);
                  case "s" -> Duration.ofSeconds(n);
                  case "m" -> Duration.ofMinutes(n);
                  case "h" -> Duration.ofHours(n);
                  case "d" -> Duration.ofDays(n);
                  default -> Duration.ofDays(7 * n);
                });
      }
      return total;
    }
    if (s.startsWith("p")) {
      try {
        return Duration.parse(s.toUpperCase(Locale.ROOT));
      } catch (DateTimeException ignored) {
        return null;
      }
    }
    return null;
  }

  /** The picocli converter of {@link TimeArgument}. */
  public static final class Converter implements ITypeConverter<TimeArgument> {
    @Override
    public TimeArgument convert(String value) {
      try {
        return parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** The picocli converter of a positive {@link Duration} in either form. */
  public static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      Duration d = parseDuration(value);
      if (d == null || d.isZero() || d.isNegative()) {
        throw new TypeConversionException(
            "'" + value + "' is not a positive duration (such as 90s, 15m, 1h, 2d or PT1H)");
      }
      return d;
    }
  }
}
