package dev.pgconductor.internal.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.pgconductor.EventDefinition;
import dev.pgconductor.EventSchemas;
import dev.pgconductor.ExecutionTracer.SendKind;
import dev.pgconductor.InvalidPayloadException;
import dev.pgconductor.PgConductorException;
import dev.pgconductor.internal.db.Db;
import dev.pgconductor.internal.db.UuidArray;
import dev.pgconductor.internal.json.JsonCodec;
import dev.pgconductor.internal.listen.Tracing;
import dev.pgconductor.internal.task.PayloadValidator;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Emits custom events: checks the event and its payload, then stores the event and fans it out to
 * the subscribed tasks with one call of {@code pgconductor.emit}, on a pooled connection or on the
 * caller's own (in the caller's transaction). With a tracer, the call is a send whose trace context
 * is stored with the executions it creates.
 */
public final class EventEmitter {
  private final Db db;
  private final EventSchemas events;
  private final JsonCodec json;
  private final PayloadValidator validator = new PayloadValidator();
  private final Tracing tracing;

  public EventEmitter(Db db, EventSchemas events, JsonCodec json, Tracing tracing) {
    this.db = db;
    this.events = events;
    this.json = json;
    this.tracing = tracing;
  }

  /** Throws unless this exact definition is in the Conductor's {@link EventSchemas}. */
  public void requireDefined(EventDefinition<?> event) {
    Objects.requireNonNull(event, "event");
    if (events.contains(event)) {
      return;
    }
    throw new IllegalArgumentException(
        events.find(event.name()).isPresent()
            ? "event '"
                + event.name()
                + "' does not match its definition in EventSchemas (payload "
                + events.find(event.name()).get().payloadType().getSimpleName()
                + ", given "
                + event.payloadType().getSimpleName()
                + ")"
            : "Unknown event '" + event.name() + "': it is not in this Conductor's EventSchemas");
  }

  /**
   * Emits an event with the given id; {@code connection} null: on a pooled connection, committed at
   * once. Emitting an id again stores nothing.
   */
  public void emit(Connection connection, EventDefinition<?> event, Object payload, UUID id) {
    emit(connection, event, java.util.Collections.singletonList(payload), List.of(id));
  }

  /**
   * Emits events of one kind in one call and one transaction; every payload is checked before
   * anything is sent.
   */
  public void emit(
      Connection connection, EventDefinition<?> event, List<?> payloads, List<UUID> ids) {
    requireDefined(event);
    String[] payloadJson = new String[payloads.size()];
    for (int i = 0; i < payloadJson.length; i++) {
      payloadJson[i] = payloadJson(event, payloads.get(i));
    }
    if (!tracing.active()) {
      emit(connection, event, payloadJson, ids, null);
      return;
    }
    tracing.sending(
        SendKind.EMIT,
        event.name(),
        null,
        traceContext -> {
          emit(connection, event, payloadJson, ids, traceContext);
          return null;
        });
  }

  private void emit(
      Connection connection,
      EventDefinition<?> event,
      String[] payloadJson,
      List<UUID> ids,
      String traceContext) {
    try {
      if (connection == null) {
        try (Connection c = db.connection()) {
          emitOn(c, false, event, payloadJson, ids, traceContext);
        }
      } else {
        emitOn(connection, true, event, payloadJson, ids, traceContext);
      }
    } catch (SQLException e) {
      throw new PgConductorException(
          "Could not emit event '" + event.name() + "': " + e.getMessage(), e);
    }
  }

  /** {@code callers}: the caller's own transaction, so every worker is notified at its commit. */
  private void emitOn(
      Connection c,
      boolean callers,
      EventDefinition<?> event,
      String[] payloadJson,
      List<UUID> ids,
      String traceContext)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("select pgconductor.emit(?, ?, ?, ?::timestamptz, ?, ?)")) {
      ps.setObject(1, new UuidArray(ids.toArray(UUID[]::new)));
      ps.setString(2, event.name());
      ps.setArray(3, c.createArrayOf("text", payloadJson));
      ps.setString(4, db.nowParam());
      ps.setBoolean(5, callers);
      ps.setString(6, traceContext);
      ps.execute();
    }
  }

  private String payloadJson(EventDefinition<?> event, Object payload) {
    try {
      validator.validate(event.name(), event.payloadType(), payload);
    } catch (InvalidPayloadException e) {
      throw new InvalidPayloadException("event", event.name(), e.violations(), e.getCause());
    }
    try {
      String text = json.write(payload);
      PayloadValidator.requireStorable(event.name(), text);
      return text;
    } catch (JsonProcessingException e) {
      throw new InvalidPayloadException(
          "event",
          event.name(),
          List.of("cannot be written as JSON: " + e.getOriginalMessage()),
          e);
    }
  }
}
