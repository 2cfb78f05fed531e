package dev.pgconductor.dashboard.query;

/**
 * What {@code pgconductor.apply_row_triggers()} did to one Postgres trigger.
 *
 * @param action {@code created} or {@code dropped}
 * @param trigger the trigger's name
 * @param table the table, as {@code schema.table}
 * @param task the task it runs, or {@code null} for a dropped trigger
 */
public record AppliedTrigger(String action, String trigger, String table, String task) {}
