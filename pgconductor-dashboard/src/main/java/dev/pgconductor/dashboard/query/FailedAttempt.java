package dev.pgconductor.dashboard.query;

import java.time.Instant;

/**
 * An attempt of an execution that failed: its handler threw or outlived its timeout.
 *
 * @param attempt the attempt's number (counted from 1 again after a retry)
 * @param error the error message
 * @param errorStack the stack trace, or {@code null}
 * @param failedAt when the failure was written
 */
public record FailedAttempt(int attempt, String error, String errorStack, Instant failedAt) {}
