package dev.pgconductor.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * A clock a test moves by hand, for {@code Conductor.builder().clock(clock)}. The Conductor hands
 * it to the database too, so everything that is due at a time (sleeps, retry backoffs, cron
 * occurrences, time windows, throttle and debounce slots, retention) follows it: advance it and
 * drain, and what became due runs at once.
 *
 * <p>It starts at the current time, cut to whole milliseconds (so that it agrees with the database
 * about what is due now and round-trips through Postgres exactly), and only moves when told to.
 */
public final class TestClock extends Clock {
  private volatile Instant now;

  /** A clock at the current time, cut to milliseconds. */
  public TestClock() {
    this(Instant.now().truncatedTo(ChronoUnit.MILLIS));
  }

  /** A clock at the given instant. */
  public TestClock(Instant start) {
    this.now = Objects.requireNonNull(start, "start");
  }

  /** Moves the clock forward (or back, with a negative duration). */
  public void advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    now = now.plus(duration);
  }

  /** Sets the clock to an instant. */
  public void set(Instant instant) {
    now = Objects.requireNonNull(instant, "instant");
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public String toString() {
    return "TestClock[" + now + "]";
  }
}
