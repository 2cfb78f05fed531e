package dev.pgconductor.dashboard.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One execution with everything known about it, as {@link ExecutionQuery#find} reads it.
 *
 * @param execution the execution's fields
 * @param payload its payload as JSON, or {@code null}
 * @param result its result as JSON once completed, or {@code null}
 * @param lastErrorStack the stack trace of its last failed attempt, or {@code null}
 * @param failedAttempts every attempt that failed, oldest first
 * @param steps its recorded steps, oldest first (empty once it finished: steps are removed then)
 * @param parent the execution that invoked it, or {@code null}
 * @param children the executions it invoked, oldest first
 */
public record ExecutionDetail(
    ExecutionSummary execution,
    JsonNode payload,
    JsonNode result,
    String lastErrorStack,
    List<FailedAttempt> failedAttempts,
    List<StepRecord> steps,
    ExecutionSummary parent,
    List<ExecutionSummary> children) {}
