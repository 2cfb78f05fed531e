package dev.pgconductor;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * What creates executions of a task: {@link #invocable()} allows {@link Conductor#invoke}, {@link
 * #cron(String, String)} runs it on a schedule. A task may have several triggers; one registered
 * without {@link #invocable()} cannot be invoked.
 */
public sealed interface Trigger permits Trigger.Invocable, Trigger.Cron {

  /** Allows {@link Conductor#invoke}; the handler sees a {@link TaskEvent.Invoked} event. */
  static Trigger invocable() {
    return Invocable.INSTANCE;
  }

  /**
   * Runs the task on a cron schedule, in UTC; the handler sees a {@link TaskEvent.Scheduled} event
   * named {@code name}. See {@link #cron(String, String, ZoneId)}.
   */
  static Trigger cron(String expression, String name) {
    return new Cron(expression, name, ZoneOffset.UTC);
  }

  /**
   * Runs the task on a cron schedule evaluated in {@code zone} (daylight saving time included):
   * five fields ({@code "0 9 * * MON-FRI"}: minute, hour, day of month, month, day of week) or six
   * with seconds first ({@code "0/10 * * * * *"}: every ten seconds). The schedule's {@code name}
   * tells a task's schedules apart and must be unique per task. The expression is checked when the
   * task is created ({@link Conductor#createTask}).
   */
  static Trigger cron(String expression, String name, ZoneId zone) {
    return new Cron(expression, name, zone);
  }

  /** The invocable trigger. Event name {@value TaskEvent#INVOKE_EVENT}. */
  enum Invocable implements Trigger {
    INSTANCE
  }

  /**
   * A cron schedule of a task.
   *
   * @param expression the cron expression, five or six fields
   * @param name the schedule's name, unique per task; the event name of its executions
   * @param zone the time zone the expression is evaluated in
   */
  record Cron(String expression, String name, ZoneId zone) implements Trigger {
    public Cron {
      Objects.requireNonNull(expression, "expression");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(zone, "zone");
      if (name.isBlank()) {
        throw new IllegalArgumentException("a cron schedule needs a name that is not blank");
      }
    }
  }
}
