package dev.pgconductor.internal.worker;

import java.time.Instant;
import java.util.PriorityQueue;

/**
 * When work this worker wrote becomes due later: the end of a durable sleep, the next occurrence of
 * a schedule. An idle fetcher sleeps until the earliest of them (or its poll interval, if that
 * comes first), so such work starts on time without a notification, which nothing sends when time
 * passes. Bounded: past a few thousand pending times the latest are dropped and the poll interval
 * takes over.
 */
final class DueTimes {
  private static final int MAX = 4096;
  // a claim that found nothing just after a due time (clocks of JVM and database differ by a
  // little) tries again this soon; a due time is forgotten once a claim that began this long after
  // it came back
  private static final long RETRY_MILLIS = 10;
  private static final long KEEP_MILLIS = 100;

  private final PriorityQueue<Long> due = new PriorityQueue<>(); // guarded by this

  /** Adds a due time; returns true when it is now the earliest. */
  synchronized boolean add(Instant at) {
    long millis = at.toEpochMilli();
    if (due.size() >= MAX) {
      return false;
    }
    Long earliest = due.peek();
    due.add(millis);
    return earliest == null || millis < earliest;
  }

  /**
   * How long to sleep from {@code now} until the earliest due time; Long.MAX_VALUE for none. {@code
   * lastClaimStarted}: when the claim that just came back began. Only a claim that began after a
   * due time could have found its work, so a due time is forgotten by that, not by the clock: a
   * slow claim that began just before the due time does not make the worker miss it.
   */
  synchronized long millisUntilNext(Instant now, Instant lastClaimStarted) {
    long claimMillis = lastClaimStarted.toEpochMilli();
    while (!due.isEmpty() && due.peek() < claimMillis - KEEP_MILLIS) {
      due.poll();
    }
    Long earliest = due.peek();
    if (earliest == null) {
      return Long.MAX_VALUE;
    }
    long nowMillis = now.toEpochMilli();
    return earliest > nowMillis ? earliest - nowMillis + 1 : RETRY_MILLIS;
  }
}
