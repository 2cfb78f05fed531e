package dev.pgconductor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Objects;

/**
 * What a handler receives: the event that created the execution. Switch over the variants when a
 * task has several triggers.
 *
 * <pre>{@code
 * (event, ctx) -> switch (event) {
 *   case TaskEvent.Invoked<Report> e -> render(e.payload());
 *   case TaskEvent.Scheduled<Report> s when s.name().equals("morning") -> morning(s.scheduledFor());
 *   case TaskEvent.Scheduled<Report> s -> evening(s.scheduledFor());
 * }
 * }</pre>
 *
 * @param <P> payload type of the task
 */
public sealed interface TaskEvent<P>
    permits TaskEvent.Invoked, TaskEvent.Scheduled, TaskEvent.Emitted, TaskEvent.RowChanged {

  /** Event name of executions created by {@code invoke}. */
  String INVOKE_EVENT = "pgconductor.invoke";

  /** The event name, e.g. {@value #INVOKE_EVENT}, or the name of a schedule. */
  String name();

  /** The payload the execution was created with. */
  P payload();

  /**
   * The execution was created by {@link Conductor#invoke}.
   *
   * @param payload the invoke payload
   */
  record Invoked<P>(P payload) implements TaskEvent<P> {
    @Override
    public String name() {
      return INVOKE_EVENT;
    }
  }

  /**
   * The execution is an occurrence of a cron schedule: a {@link Trigger#cron cron trigger} of the
   * task, or a dynamic schedule ({@link TaskContext#schedule}, {@link Conductor#schedule}).
   *
   * @param name the schedule's name
   * @param scheduledFor when this occurrence was due (it runs then or, after an outage, later)
   * @param payload the dynamic schedule's payload; null for a cron trigger
   */
  record Scheduled<P>(String name, Instant scheduledFor, P payload) implements TaskEvent<P> {}

  /**
   * The execution was created by an emitted custom event the task subscribes to ({@link
   * Trigger#event}).
   *
   * @param name the event's name
   * @param payload the event's payload (or its selected fields) read as the task's payload type
   */
  record Emitted<P>(String name, P payload) implements TaskEvent<P> {}

  /**
   * The execution was created by a change of a row the task subscribes to ({@link
   * Trigger#onInsert}, {@link Trigger#onUpdate}, {@link Trigger#onDelete}). The rows hold the
   * subscribed columns with their JSON types; read them as JSON with {@link #newRow()} or as a
   * type, such as a record generated from the schema, with {@link #newRow(Class)}.
   *
   * <p>{@link #payload()} is the row read as the task's payload type: the new row, or the old one
   * for a delete ({@code null} when the payload type is {@link Void}).
   *
   * @param <P> payload type of the task
   */
  final class RowChanged<P> implements TaskEvent<P> {
    private final RowOperation operation;
    private final String schema;
    private final String table;
    private final JsonNode oldRow;
    private final JsonNode newRow;
    private final P payload;
    private final ObjectMapper mapper;

    /**
     * An event as the engine makes it; public so that a test can hand one to a handler.
     *
     * @param operation the change
     * @param schema the table's schema
     * @param table the table
     * @param oldRow the row before an update or delete, else null
     * @param newRow the row after an insert or update, else null
     * @param payload the row read as the task's payload type
     * @param mapper reads the rows for {@link #newRow(Class)} and {@link #oldRow(Class)}
     */
    public RowChanged(
        RowOperation operation,
        String schema,
        String table,
        JsonNode oldRow,
        JsonNode newRow,
        P payload,
        ObjectMapper mapper) {
      this.operation = Objects.requireNonNull(operation, "operation");
      this.schema = Objects.requireNonNull(schema, "schema");
      this.table = Objects.requireNonNull(table, "table");
      this.oldRow = oldRow;
      this.newRow = newRow;
      this.payload = payload;
      this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /** {@code schema.table.operation}, such as {@code public.contacts.insert}. */
    @Override
    public String name() {
      return schema + "." + table + "." + operation.sqlName();
    }

    /** The row read as the task's payload type: the new row, or the old one for a delete. */
    @Override
    public P payload() {
      return payload;
    }

    /** What happened to the row. */
    public RowOperation operation() {
      return operation;
    }

    /** The schema of the changed table. */
    public String schema() {
      return schema;
    }

    /** The changed table. */
    public String table() {
      return table;
    }

    /** The row before an update or delete (its subscribed columns); null for an insert. */
    public JsonNode oldRow() {
      return oldRow;
    }

    /** The row after an insert or update (its subscribed columns); null for a delete. */
    public JsonNode newRow() {
      return newRow;
    }

    /**
     * The row before an update or delete read as {@code type} with the Conductor's object mapper;
     * null for an insert.
     *
     * @throws IllegalArgumentException if the row cannot be read as {@code type}
     */
    public <T> T oldRow(Class<T> type) {
      return read(oldRow, type, "old");
    }

    /**
     * The row after an insert or update read as {@code type} with the Conductor's object mapper
     * (columns map to properties by their names, such as a record generated by {@code pgconductor
     * gen records}); null for a delete.
     *
     * @throws IllegalArgumentException if the row cannot be read as {@code type}
     */
    public <T> T newRow(Class<T> type) {
      return read(newRow, type, "new");
    }

    private <T> T read(JsonNode row, Class<T> type, String which) {
      if (row == null) {
        return null;
      }
      try {
        return mapper.treeToValue(row, type);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(
            "the "
                + which
                + " row of "
                + name()
                + " cannot be read as "
                + type.getName()
                + ": "
                + e.getOriginalMessage(),
            e);
      }
    }

    @Override
    public String toString() {
      return "RowChanged[" + name() + ", old=" + oldRow + ", new=" + newRow + "]";
    }
  }
}
