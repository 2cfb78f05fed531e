package dev.pgconductor.examples.guide;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock a test moves by hand, for {@code Conductor.builder().clock(…)}. It starts at the current
 * time, so that it agrees with the database about what is due now, and then only moves when told.
 */
public final class TestClock extends Clock {
  private volatile Instant now = Instant.now();

  /** Moves the clock forward. */
  public void advance(Duration duration) {
    now = now.plus(duration);
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
}
