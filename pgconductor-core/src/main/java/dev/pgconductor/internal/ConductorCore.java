package dev.pgconductor.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.pgconductor.InvalidPayloadException;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.UnknownTaskException;
import dev.pgconductor.internal.db.Db;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.OrchestratorStore;
import dev.pgconductor.internal.json.JsonCodec;
import dev.pgconductor.internal.listen.Listeners;
import dev.pgconductor.internal.schema.Migrator;
import dev.pgconductor.internal.task.PayloadValidator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;

/**
 * Everything a Conductor owns, shared with the orchestrators built on it. Not part of the API.
 *
 * @param <C> custom context type
 */
public final class ConductorCore<C> {
  private final Db db;
  private final JsonCodec json;
  private final TaskSchemas schemas;
  private final C context;
  private final Logger taskLogger;
  private final Listeners listeners;
  private final ExecutionStore executions;
  private final OrchestratorStore orchestrators;
  private final Migrator migrator;
  private final PayloadValidator validator = new PayloadValidator();
  private final Map<String, Task<?, ?>> registered = new ConcurrentHashMap<>();

  public ConductorCore(
      Db db,
      JsonCodec json,
      TaskSchemas schemas,
      C context,
      Logger taskLogger,
      Listeners listeners) {
    this.listeners = listeners;
    this.db = db;
    this.json = json;
    this.schemas = schemas;
    this.context = context;
    this.taskLogger = taskLogger;
    this.executions = new ExecutionStore(db);
    this.orchestrators = new OrchestratorStore(db);
    this.migrator = new Migrator(db.dataSource());
  }

  public Db db() {
    return db;
  }

  public JsonCodec json() {
    return json;
  }

  public TaskSchemas schemas() {
    return schemas;
  }

  public C context() {
    return context;
  }

  /** The logger handlers' lines go to (the Conductor's custom logger, or a default one). */
  public Logger taskLogger() {
    return taskLogger;
  }

  /** The listeners registered on the Conductor. */
  public Listeners listeners() {
    return listeners;
  }

  public ExecutionStore executions() {
    return executions;
  }

  public OrchestratorStore orchestrators() {
    return orchestrators;
  }

  public Migrator migrator() {
    return migrator;
  }

  public PayloadValidator validator() {
    return validator;
  }

  /** Remembers a handler; a second handler for the same task name is an error. */
  public void register(Task<?, ?> task) {
    Task<?, ?> previous = registered.putIfAbsent(task.name(), task);
    if (previous != null) {
      throw new IllegalArgumentException(
          "a handler for task '" + task.name() + "' is already registered with this Conductor");
    }
  }

  /** Throws {@link UnknownTaskException} unless this exact definition is in the schemas. */
  public void requireDefined(TaskDefinition<?, ?> definition) {
    if (schemas.contains(definition)) {
      return;
    }
    Optional<TaskDefinition<?, ?>> known = schemas.find(definition.name());
    if (known.isEmpty()) {
      throw new UnknownTaskException(
          definition.name(),
          "Unknown task '" + definition.name() + "': it is not in this Conductor's TaskSchemas");
    }
    throw new UnknownTaskException(
        definition.name(),
        "Task '"
            + definition.name()
            + "' does not match its definition in TaskSchemas: given "
            + describe(definition)
            + ", defined "
            + describe(known.get()));
  }

  /** Validates a payload and returns its JSON; nothing is written on failure. */
  public String payloadJson(TaskDefinition<?, ?> task, Object payload) {
    validator.validate(task.name(), task.payloadType(), payload);
    try {
      String text = json.write(payload);
      PayloadValidator.requireStorable(task.name(), text);
      return text;
    } catch (JsonProcessingException e) {
      throw new InvalidPayloadException(
          task.name(), List.of("cannot be written as JSON: " + e.getOriginalMessage()), e);
    }
  }

  private static String describe(TaskDefinition<?, ?> d) {
    return "(payload "
        + d.payloadType().getSimpleName()
        + ", result "
        + d.resultType().getSimpleName()
        + ", queue '"
        + d.queue()
        + "')";
  }

  public Optional<Task<?, ?>> registered(String name) {
    return Optional.ofNullable(registered.get(name));
  }
}
