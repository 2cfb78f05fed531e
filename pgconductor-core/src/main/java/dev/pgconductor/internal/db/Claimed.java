package dev.pgconductor.internal.db;

import java.time.Instant;
import java.util.UUID;

/**
 * An execution a worker claimed: what the handler needs, plus the lease that every write about it
 * must present.
 */
public record Claimed(
    UUID id,
    String taskName,
    String payloadJson,
    int attempt,
    int lease,
    UUID parentId,
    Instant createdAt) {}
