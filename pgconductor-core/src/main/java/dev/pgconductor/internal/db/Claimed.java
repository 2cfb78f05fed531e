package dev.pgconductor.internal.db;

import java.time.Instant;
import java.util.UUID;

/**
 * An execution a worker claimed: what the handler needs, the lease that every write about it must
 * present, where it came from, the steps recorded by earlier runs (JSON object by name, or null),
 * how long it waited after it was due, the database time of the claim (and when the claim arrived,
 * by {@link System#nanoTime()}), and a cancellation requested while it was not running.
 */
public record Claimed(
    UUID id,
    String taskName,
    String payloadJson,
    int attempt,
    int lease,
    UUID parentId,
    String origin,
    String originName,
    Instant createdAt,
    long queueWaitMillis,
    String stepsJson,
    Instant claimedAt,
    String cancelReason,
    long receivedNanos) {

  /** The database time now, measured from the claim's database time with the local clock. */
  public Instant databaseNow() {
    return claimedAt.plusNanos(System.nanoTime() - receivedNanos);
  }
}
