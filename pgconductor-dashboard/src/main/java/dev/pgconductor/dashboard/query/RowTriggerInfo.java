package dev.pgconductor.dashboard.query;

import java.time.Instant;
import java.util.List;

/**
 * A row-change trigger of a task as the orchestrators registered it ({@code
 * pgconductor.row_triggers}), and whether the Postgres trigger on the table matches it.
 *
 * @param task the subscribed task
 * @param schema the table's schema
 * @param table the table
 * @param operation {@code insert}, {@code update} or {@code delete}
 * @param columns the columns the task receives, or {@code null} for every column
 * @param condition the condition a change must meet, or {@code null}
 * @param triggerName the name of the Postgres trigger on the table
 * @param installed whether that trigger exists and was made from the registered definition
 * @param stagedChunks chunks of 1,000 rows staged by big statements, not executions yet
 * @param updatedAt when the code last changed it
 */
public record RowTriggerInfo(
    String task,
    String schema,
    String table,
    String operation,
    List<String> columns,
    String condition,
    String triggerName,
    boolean installed,
    long stagedChunks,
    Instant updatedAt) {}
