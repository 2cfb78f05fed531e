package dev.pgconductor.internal.db;

import java.time.Instant;
import java.util.UUID;

/**
 * An execution a worker claimed: what the handler needs, the lease that every write about it must
 * present, the steps recorded by earlier runs (JSON object by name, or null), the database time of
 * the claim (and when it arrived, by {@link System#nanoTime()}), and a cancellation requested while
 * it was not running.
 */
public record Claimed(
    UUID id,
    String taskName,
    String payloadJson,
    int attempt,
    int lease,
    UUID parentId,
    Instant createdAt,
    String stepsJson,
    Instant claimedAt,
    String cancelReason,
    long receivedNanos) {

  /** The database time now, measured from the claim's database time with the local clock. */
  public Instant databaseNow() {
    return claimedAt.plusNanos(System.nanoTime() - receivedNanos);
  }
}
