package dev.pgconductor.internal;

import dev.pgconductor.TaskSchemas;
import dev.pgconductor.internal.db.Db;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.OrchestratorStore;
import dev.pgconductor.internal.json.JsonCodec;
import dev.pgconductor.internal.schema.Migrator;
import dev.pgconductor.internal.task.PayloadValidator;
import dev.pgconductor.internal.task.RegisteredTask;
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
  private final ExecutionStore executions;
  private final OrchestratorStore orchestrators;
  private final Migrator migrator;
  private final PayloadValidator validator = new PayloadValidator();
  private final Map<String, RegisteredTask<?, ?, C>> registered = new ConcurrentHashMap<>();

  public ConductorCore(Db db, JsonCodec json, TaskSchemas schemas, C context, Logger taskLogger) {
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
  public void register(RegisteredTask<?, ?, C> task) {
    RegisteredTask<?, ?, C> previous = registered.putIfAbsent(task.name(), task);
    if (previous != null) {
      throw new IllegalArgumentException(
          "a handler for task '" + task.name() + "' is already registered with this Conductor");
    }
  }

  public Optional<RegisteredTask<?, ?, C>> registered(String name) {
    return Optional.ofNullable(registered.get(name));
  }
}
