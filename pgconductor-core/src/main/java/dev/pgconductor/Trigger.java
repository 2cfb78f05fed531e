package dev.pgconductor;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;

/**
 * What creates executions of a task: {@link #invocable()} allows {@link Conductor#invoke}, {@link
 * #cron(String, String)} runs it on a schedule, {@link #event(EventDefinition)} on each emitted
 * event, {@link #onInsert}, {@link #onUpdate} and {@link #onDelete} on each changed row of a table.
 * A task may have several triggers; one registered without {@link #invocable()} cannot be invoked.
 */
public sealed interface Trigger
    permits Trigger.Invocable, Trigger.Cron, Trigger.Event, Trigger.RowChange {

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

  /**
   * Runs the task once for each row inserted into {@code schema.table}, in the inserting
   * transaction's commit (a rolled-back insert creates nothing); the handler sees a {@link
   * TaskEvent.RowChanged} event named {@code schema.table.insert}. Narrow it with {@link
   * RowChange#columns} and {@link RowChange#when}. The orchestrator that runs the task installs the
   * Postgres trigger when it starts; see the guide's page on row-change triggers for the privileges
   * this needs.
   */
  static RowChange onInsert(String schema, String table) {
    return new RowChange(schema, table, RowOperation.INSERT, null, null);
  }

  /**
   * Runs the task once for each row updated in {@code schema.table}, with the row before and after;
   * see {@link #onInsert}.
   */
  static RowChange onUpdate(String schema, String table) {
    return new RowChange(schema, table, RowOperation.UPDATE, null, null);
  }

  /** Runs the task once for each row deleted from {@code schema.table}; see {@link #onInsert}. */
  static RowChange onDelete(String schema, String table) {
    return new RowChange(schema, table, RowOperation.DELETE, null, null);
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
   *     for the whole payload (or the fields of {@code projection})
   * @param condition a boolean SQL expression over {@code payload} (jsonb) that an event must
   *     satisfy to create an execution, or null for every event
   * @param projection a type whose properties name the fields the task receives, or null; turned
   *     into {@code fields} when the task is created
   */
  record Event(EventDefinition<?> event, List<String> fields, String condition, Class<?> projection)
      implements Trigger {
    public Event {
      Objects.requireNonNull(event, "event");
      fields = fields == null ? null : List.copyOf(fields);
      if (fields != null && projection != null) {
        throw new IllegalArgumentException(
            "a subscription selects fields by paths or by a projection type, not both");
      }
    }

    /** A subscription to {@code event} with fields selected by paths (or all) and a condition. */
    public Event(EventDefinition<?> event, List<String> fields, String condition) {
      this(event, fields, condition, null);
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
      return new Event(event, List.of(paths), condition, null);
    }

    /**
     * Hands the handler only the fields that {@code projection} has: each property of the type (a
     * record, or a bean Jackson reads) selects the field of that JSON name, and a property whose
     * type is itself a record or bean selects that type's fields below it. {@code
     * fields(PlanOnly.class)} with {@code record PlanOnly(String plan, Contact user)} and {@code
     * record Contact(String email)} selects {@code plan} and {@code user.email}. The task's payload
     * type is usually the projection itself. Each field must exist in the event's payload type,
     * checked at {@link Conductor#createTask}.
     */
    public Event fields(Class<?> projection) {
      Objects.requireNonNull(projection, "projection");
      return new Event(event, null, condition, projection);
    }

    /**
     * Creates an execution only for events whose payload satisfies {@code condition}: one boolean
     * SQL expression over {@code payload}, the event's payload as jsonb, such as {@code
     * "payload->>'plan' = 'pro'"}. It runs in Postgres when the event is emitted. One expression
     * only: semicolons, comments, dollar quotes and unbalanced parentheses outside string literals
     * are refused.
     */
    public Event when(String condition) {
      Objects.requireNonNull(condition, "condition");
      return new Event(event, fields, condition, projection);
    }
  }

  /**
   * A subscription of a task to changes of the rows of a table.
   *
   * @param schema the table's schema, as Postgres spells it (no quoting needed)
   * @param table the table's name, as Postgres spells it
   * @param operation the change it reacts to
   * @param columns the columns the event's rows hold, or null for every column
   * @param condition a boolean SQL expression over {@code new} and {@code old} that a change must
   *     satisfy to create an execution, or null for every change
   */
  record RowChange(
      String schema, String table, RowOperation operation, List<String> columns, String condition)
      implements Trigger {
    public RowChange {
      Objects.requireNonNull(schema, "schema");
      Objects.requireNonNull(table, "table");
      Objects.requireNonNull(operation, "operation");
      if (schema.isBlank() || table.isBlank()) {
        throw new IllegalArgumentException("a row-change trigger needs a schema and a table name");
      }
      columns = columns == null ? null : List.copyOf(columns);
    }

    /**
     * Puts only these columns in the event's rows ({@link TaskEvent.RowChanged#newRow()}), with
     * their JSON types: numbers, booleans, strings, json values, timestamps as ISO-8601 strings,
     * arrays. Each must be a column of the table, checked when the orchestrator starts.
     */
    public RowChange columns(String... names) {
      if (names.length == 0) {
        throw new IllegalArgumentException("columns(...) needs at least one column");
      }
      return new RowChange(schema, table, operation, List.of(names), condition);
    }

    /**
     * Creates an execution only for changes that satisfy {@code condition}: one boolean SQL
     * expression over the row, as {@code new} (insert, update) and {@code old} (update, delete),
     * such as {@code "new.email is distinct from old.email"}. It runs in Postgres, inside the
     * statement that changed the rows. One expression only: semicolons, comments, dollar quotes and
     * unbalanced parentheses are refused; Postgres checks the rest when the orchestrator starts.
     */
    public RowChange when(String condition) {
      Objects.requireNonNull(condition, "condition");
      return new RowChange(schema, table, operation, columns, condition);
    }

    /** The event name of its executions: {@code schema.table.operation}. */
    public String eventName() {
      return schema + "." + table + "." + operation.sqlName();
    }
  }
}
