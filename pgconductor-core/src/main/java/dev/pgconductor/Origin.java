package dev.pgconductor;

/**
 * What created an execution, as {@link Execution#origin()} reports it. Switch over the variants to
 * tell them apart.
 */
public sealed interface Origin {

  /** Created by {@link Conductor#invoke} or {@link Conductor#invokeBatch}. */
  record Invoked() implements Origin {}

  /**
   * Created by a parent execution's {@link TaskContext#invoke}.
   *
   * @param parentId the parent execution
   */
  record Child(String parentId) implements Origin {}

  /**
   * Created by a cron schedule of the task.
   *
   * @param scheduleName the schedule's name
   */
  record Scheduled(String scheduleName) implements Origin {}

  /**
   * Created by a custom event the task subscribes to.
   *
   * @param eventName the event's name
   */
  record Emitted(String eventName) implements Origin {}

  /**
   * Created by a change of a database row the task subscribes to.
   *
   * @param source {@code schema.table.operation}, e.g. {@code public.contacts.insert}
   */
  record RowChanged(String source) implements Origin {}
}
