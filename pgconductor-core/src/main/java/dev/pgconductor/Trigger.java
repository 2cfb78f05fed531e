package dev.pgconductor;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;

/**
 * What creates executions of a task: {@link #invocable()} allows {@link Conductor#invoke}, {@link
 * #cron(String, String)} runs it on a schedule, {@link #event(EventDefinition)} on each emitted
 * event. A task may have several triggers; one registered without {@link #invocable()} cannot be
 * invoked.
 */
public sealed interface Trigger permits Trigger.Invocable, Trigger.Cron, Trigger.Event {

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

  /**
   * Runs the task once for each emitted {@code event} ({@link Conductor#emit}); the handler sees a
   * {@link TaskEvent.Emitted} event whose payload is the event's payload read as the task's payload
   * type. Narrow it with {@link Event#fields} and {@link Event#when}.
   */
  static Event event(EventDefinition<?> event) {
    return new Event(event, null, null);
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

  /**
   * A subscription of a task to a custom event.
   *
   * @param event the event
   * @param fields the payload fields the task receives (paths such as {@code user.email}), or null
   *     for the whole payload
   * @param condition a boolean SQL expression over {@code payload} (jsonb) that an event must
   *     satisfy to create an execution, or null for every event
   */
  record Event(EventDefinition<?> event, List<String> fields, String condition) implements Trigger {
    public Event {
      Objects.requireNonNull(event, "event");
      fields = fields == null ? null : List.copyOf(fields);
    }

    /**
     * Hands the handler only these fields of the payload, nested as in the payload: {@code
     * fields("plan", "user.email")} gives {@code {"plan": …, "user": {"email": …}}}, with JSON
     * types kept. Names are the JSON names (Jackson's, camelCase by default); each must be a field
     * of the event's payload type, checked at {@link Conductor#createTask}.
     */
    public Event fields(String... paths) {
      if (paths.length == 0) {
        throw new IllegalArgumentException("fields(...) needs at least one field");
      }
      return new Event(event, List.of(paths), condition);
    }

    /**
     * Creates an execution only for events whose payload satisfies {@code condition}: one boolean
     * SQL expression over {@code payload}, the event's payload as jsonb, such as {@code
     * "payload->>'plan' = 'pro'"}. It runs in Postgres when the event is emitted. One expression
     * only: semicolons, comments and dollar quotes outside string literals are refused.
     */
    public Event when(String condition) {
      Objects.requireNonNull(condition, "condition");
      return new Event(event, fields, condition);
    }
  }
}
