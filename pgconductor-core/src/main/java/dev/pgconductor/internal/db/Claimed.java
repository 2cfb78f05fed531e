package dev.pgconductor.internal.db;

import java.time.Instant;
import java.util.UUID;

/**
 * An execution a worker claimed: what the handler needs, the lease that every write about it must
 * present, where it came from, the steps recorded by earlier runs (JSON object by name, or null),
 * how long it waited after it was due, the database time of the claim (and, by {@link
 * System#nanoTime()}, when the claim was sent and when its answer arrived), a cancellation
 * requested while it was not running, for an occurrence of a schedule, that schedule, and the trace
 * context stored with it (a JSON object of headers, null without one).
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
    long requestedNanos,
    long receivedNanos,
    Occurrence occurrence,
    String traceContext) {

  /**
   * An occurrence of a cron schedule: the schedule's cron and zone (for its next occurrence) and
   * when this one was due.
   */
  public record Occurrence(String cron, String zone, Instant scheduledFor) {}

  /**
   * Without a trace context, sent and answered at once ({@code requestedNanos} = {@code
   * receivedNanos}).
   */
  public Claimed(
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
      long receivedNanos,
      Occurrence occurrence) {
    this(
        id,
        taskName,
        payloadJson,
        attempt,
        lease,
        parentId,
        origin,
        originName,
        createdAt,
        queueWaitMillis,
        stepsJson,
        claimedAt,
        cancelReason,
        receivedNanos,
        receivedNanos,
        occurrence,
        null);
  }

  /** Without an occurrence nor a trace context, sent and answered at once. */
  public Claimed(
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
    this(
        id,
        taskName,
        payloadJson,
        attempt,
        lease,
        parentId,
        origin,
        originName,
        createdAt,
        queueWaitMillis,
        stepsJson,
        claimedAt,
        cancelReason,
        receivedNanos,
        null);
  }

  /** The database time now, measured from the claim's database time with the local clock. */
  public Instant databaseNow() {
    return claimedAt.plusNanos(System.nanoTime() - receivedNanos);
  }
}
