package dev.pgconductor;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * The hours of the day a task's executions may run in: from {@code from} (inclusive) to {@code to}
 * (exclusive), local times of {@code zone}. A window whose start is later than its end wraps
 * midnight: {@code 22:00–06:00} is the night. Set with {@link TaskOptions#window}.
 *
 * @param from when the window opens each day
 * @param to when it closes
 * @param zone the time zone of both
 */
public record TimeWindow(LocalTime from, LocalTime to, ZoneId zone) {
  /**
   * @throws IllegalArgumentException when {@code from} equals {@code to} (an empty window, or a
   *     whole day: leave the window out)
   */
  public TimeWindow {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(zone, "zone");
    if (from.equals(to)) {
      throw new IllegalArgumentException(
          "a time window must start and end at different times, got " + from + "–" + to);
    }
  }

  /** Whether the window is open at this instant. */
  public boolean isOpen(Instant at) {
    LocalTime t = at.atZone(zone).toLocalTime();
    return from.isBefore(to)
        ? !t.isBefore(from) && t.isBefore(to)
        : !t.isBefore(from) || t.isBefore(to);
  }

  /** When the window opens next after this instant; empty while it is open. */
  public Optional<Instant> nextOpening(Instant at) {
    if (isOpen(at)) {
      return Optional.empty();
    }
    ZonedDateTime local = at.atZone(zone);
    LocalDate day =
        local.toLocalTime().isBefore(from) ? local.toLocalDate() : local.toLocalDate().plusDays(1);
    return Optional.of(day.atTime(from).atZone(zone).toInstant());
  }

  @Override
  public String toString() {
    return from + "–" + to + " " + zone;
  }
}
