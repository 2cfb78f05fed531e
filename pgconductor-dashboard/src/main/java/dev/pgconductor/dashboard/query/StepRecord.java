package dev.pgconductor.dashboard.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgconductor.ExecutionState;
import java.time.Instant;

/**
 * A recorded step of an unfinished execution: a completed {@code ctx.step}, a durable sleep, or a
 * child invocation. The steps of an execution are removed when it finishes.
 *
 * @param name the step's name
 * @param done true for a recorded step or sleep, and for a child invocation whose child finished
 * @param result a step's return value, a sleep's {@code {"sleepUntil": ...}}, or the result of a
 *     child that completed; {@code null} otherwise
 * @param error why a child did not complete, or {@code null}
 * @param childId a child invocation's child execution, or {@code null}
 * @param childState where that child stands, or {@code null} (no child, or no longer retained)
 * @param deadline a child invocation with a timeout: when the parent gives up waiting
 * @param createdAt when the step was recorded
 */
public record StepRecord(
    String name,
    boolean done,
    JsonNode result,
    String error,
    String childId,
    ExecutionState childState,
    Instant deadline,
    Instant createdAt) {}
