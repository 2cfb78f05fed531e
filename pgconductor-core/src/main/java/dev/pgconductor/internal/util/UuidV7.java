package dev.pgconductor.internal.util;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Time-ordered UUIDs in the RFC 9562 version 7 layout: 48 bits of Unix milliseconds, then a
 * counter seeded at random each millisecond (so ids made in one process stay ordered), then
 * random bits. Generated in the JVM so a batch insert needs no per-row function call.
 */
public final class UuidV7 {
  private static final SecureRandom RANDOM = new SecureRandom();
  // high 48 bits: last millisecond used; low 12 bits: sequence within it
  private static final AtomicLong LAST = new AtomicLong();

  private UuidV7() {}

  public static UUID next() {
    long now = System.currentTimeMillis();
    long state;
    long next;
    do {
      state = LAST.get();
      long lastMillis = state >>> 12;
      if (now > lastMillis) {
        next = (now << 12) | (RANDOM.nextInt(1 << 11)); // leave room to count up
      } else {
        next = state + 1; // same (or earlier) millisecond: count up, overflowing into the time
      }
    } while (!LAST.compareAndSet(state, next));
    long millis = next >>> 12;
    long seq = next & 0xFFF;
    long msb = (millis << 16) | (0x7L << 12) | seq;
    long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb);
  }
}
