package dev.pgconductor.dashboard.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A cron schedule ({@code pgconductor.schedules}): a cron trigger of a task, or a dynamic schedule
 * with a payload.
 *
 * @param task the task it invokes
 * @param name the schedule's name
 * @param cron its cron expression
 * @param timeZone the time zone the expression is read in
 * @param dynamic true for a schedule made with {@code Conductor.schedule}, false for a task's cron
 *     trigger
 * @param payload a dynamic schedule's payload, or {@code null}
 * @param nextAt when its pending occurrence is due, or {@code null}
 * @param nextId that occurrence (an execution), or {@code null}
 * @param updatedAt when it was last written
 */
public record ScheduleInfo(
    String task,
    String name,
    String cron,
    String timeZone,
    boolean dynamic,
    JsonNode payload,
    Instant nextAt,
    String nextId,
    Instant updatedAt) {}
