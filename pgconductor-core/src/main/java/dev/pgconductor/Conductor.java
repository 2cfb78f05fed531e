package dev.pgconductor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.ExecutionTracer.SendKind;
import dev.pgconductor.internal.InvokeCoalescer;
import dev.pgconductor.internal.db.ConnectionStrings;
import dev.pgconductor.internal.db.Db;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.ExecutionStore.NewExecution;
import dev.pgconductor.internal.db.UuidArray;
import dev.pgconductor.internal.event.EventEmitter;
import dev.pgconductor.internal.event.Subscriptions;
import dev.pgconductor.internal.json.JsonCodec;
import dev.pgconductor.internal.listen.Listeners;
import dev.pgconductor.internal.listen.Tracing;
import dev.pgconductor.internal.maintenance.Maintenance;
import dev.pgconductor.internal.schedule.CronExpressions;
import dev.pgconductor.internal.schedule.DynamicSchedules;
import dev.pgconductor.internal.schema.Migrator;
import dev.pgconductor.internal.sql.SqlExpressions;
import dev.pgconductor.internal.task.TaskRegistry;
import dev.pgconductor.internal.util.UuidV7;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.util.PSQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point: holds the task definitions, the database connection and the custom context;
 * registers handlers, invokes tasks, and reads executions back. Usable without any worker (a
 * service that only invokes). Thread-safe.
 *
 * <pre>{@code
 * Conductor<App> conductor = Conductor.builder()
 *     .connectionString("postgres://localhost:5432/mydb")
 *     .tasks(TaskSchemas.of(GREET))
 *     .context(new App(mailer))
 *     .build();
 * conductor.ensureInstalled();
 * String id = conductor.invoke(GREET, new Greet("World")).orElseThrow();
 * }</pre>
 *
 * @param <C> custom context type reachable from handlers through {@link TaskContext#context()}
 */
public final class Conductor<C> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Conductor.class);

  private final Db db;
  private final JsonCodec json;
  private final TaskRegistry tasks;
  private final C context;
  private final Logger taskLogger;
  private final Listeners listeners;
  private final Tracing tracing;
  private final ExecutionStore executions;
  private final Migrator migrator;
  private final HikariDataSource ownedPool;
  private final InvokeCoalescer coalescer;
  private final DynamicSchedules schedules;
  private final EventEmitter events;
  private final Maintenance maintenance;

  private Conductor(
      Db db,
      JsonCodec json,
      TaskRegistry tasks,
      C context,
      Logger taskLogger,
      Listeners listeners,
      Tracing tracing,
      HikariDataSource ownedPool,
      Runnable reachability,
      EventSchemas events,
      List<Migrator.Migration> extraMigrations) {
    this.db = db;
    this.json = json;
    this.tasks = tasks;
    this.context = context;
    this.taskLogger = taskLogger;
    this.listeners = listeners;
    this.tracing = tracing;
    this.executions = new ExecutionStore(db);
    this.migrator = new Migrator(db.dataSource(), reachability, extraMigrations);
    this.ownedPool = ownedPool;
    this.coalescer = new InvokeCoalescer(executions);
    this.schedules = new DynamicSchedules(db, tasks);
    this.events = new EventEmitter(db, events, json, tracing);
    this.maintenance = new Maintenance(db);
  }

  /** A builder; set a connection string or a data source, and the task definitions. */
  public static Builder<Void> builder() {
    return new Builder<>();
  }

  /**
   * Creates or upgrades the {@code pgconductor} schema; a no-op when it is current. Before a
   * breaking migration it asks the orchestrators of older versions to drain and waits for the live
   * ones, at most 5 minutes (an orchestrator's start waits as long as its {@link
   * Orchestrator.Builder#migrationDrainTimeout}); when they are still running then, it throws and
   * migrates nothing.
   *
   * @throws PgConductorException when the database cannot be reached or a migration fails, when
   *     older orchestrators did not drain in time, or when the schema is newer than this library (a
   *     newer version of pgconductor upgraded it). See docs/live-migrations.md.
   */
  public void ensureInstalled() {
    migrator.ensureInstalled();
  }

  /**
   * Registers a handler with one trigger (see {@link #createTask(TaskOptions, List, TaskHandler)}).
   */
  public <P, R> Task<P, R> createTask(
      TaskOptions<P, R> options, Trigger trigger, TaskHandler<P, R, C> handler) {
    return createTask(options, List.of(trigger), handler);
  }

  /**
   * Registers a handler for a defined task. The task must be part of this Conductor's {@link
   * TaskSchemas} with the same types and queue ({@link UnknownTaskException} otherwise), and may be
   * registered once ({@link IllegalArgumentException} otherwise).
   */
  public <P, R> Task<P, R> createTask(
      TaskOptions<P, R> options, List<Trigger> triggers, TaskHandler<P, R, C> handler) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(handler, "handler");
    if (options.batch().isPresent()) {
      throw new IllegalArgumentException(
          "task '"
              + options.name()
              + "' has batch options: register it with createBatchTask, whose handler takes a"
              + " list of events");
    }
    triggers = checkedTriggers(options, triggers);
    Task<P, R> task = new Task<>(options, triggers, handler);
    tasks.register(task);
    return task;
  }

  /**
   * A batch task with one trigger; see {@link #createBatchTask(TaskOptions, List,
   * BatchTaskHandler)}.
   */
  public <P, R> Task<P, R> createBatchTask(
      TaskOptions<P, R> options, Trigger trigger, BatchTaskHandler<P, R, C> handler) {
    return createBatchTask(options, List.of(trigger), handler);
  }

  /**
   * Registers a batch handler for a defined task: it gets the task's ready executions up to {@code
   * options.batch(size, maxWait)} at a time and returns one result per event. Executions are
   * invoked, scheduled and triggered as for any task, one per event; each has its own id, result
   * and attempts. The options must have a batch and no timeout; otherwise as {@link
   * #createTask(TaskOptions, List, TaskHandler)}.
   *
   * @throws IllegalArgumentException when the options have no batch, or have a timeout
   */
  public <P, R> Task<P, R> createBatchTask(
      TaskOptions<P, R> options, List<Trigger> triggers, BatchTaskHandler<P, R, C> handler) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(handler, "handler");
    if (options.batch().isEmpty()) {
      throw new IllegalArgumentException(
          "batch task '"
              + options.name()
              + "' needs a batch size and wait: TaskOptions.batch(size, maxWait)");
    }
    if (options.timeout().isPresent()) {
      throw new IllegalArgumentException(
          "batch task '" + options.name() + "' cannot have a timeout; a batch has no time limit");
    }
    triggers = checkedTriggers(options, triggers);
    Task<P, R> task = new Task<>(options, triggers, handler);
    tasks.register(task);
    return task;
  }

  /** The triggers of a task being registered, checked, with projected fields resolved. */
  private List<Trigger> checkedTriggers(TaskOptions<?, ?> options, List<Trigger> triggers) {
    if (triggers.isEmpty()) {
      throw new IllegalArgumentException(
          "task '" + options.name() + "' needs at least one trigger, e.g. Trigger.invocable()");
    }
    requireDefined(options.definition());
    triggers = withProjectedFields(options.name(), triggers);
    checkSchedules(options.name(), triggers);
    checkSubscriptions(options.name(), triggers);
    checkRowTriggers(options.name(), triggers);
    return triggers;
  }

  /**
   * Stores one execution and returns its id; does not wait for it to run. See {@link
   * #invoke(TaskDefinition, Object, InvokeOptions)}.
   */
  public <P> Optional<String> invoke(TaskDefinition<P, ?> task, P payload) {
    return invoke(task, payload, InvokeOptions.DEFAULT);
  }

  /**
   * Stores one execution with options and returns its id: a new one, or the id of an execution with
   * the same dedupe key that has not started (its payload and options are replaced), or of one that
   * completed with that key and is still retained (nothing is stored; see {@link
   * TaskOptions#freeDedupeKeyOnFinish()}). The payload is validated first: an invalid one is an
   * {@link InvalidPayloadException} and nothing is written. Concurrent calls share one round trip
   * and one commit. The result is empty only for an invoke that a throttle drops ({@link
   * InvokeOptions#throttle()}: a later invoke of a slot that has its execution). A throttled or
   * debounced invoke is a statement of its own.
   *
   * @throws UnknownTaskException if the task is not in this Conductor's {@link TaskSchemas}
   * @throws TaskNotInvocableException if the task is registered without {@link Trigger#invocable()}
   */
  public <P> Optional<String> invoke(TaskDefinition<P, ?> task, P payload, InvokeOptions options) {
    Objects.requireNonNull(options, "options");
    requireInvocable(task);
    return tracing.active()
        ? tracing.sending(
            SendKind.INVOKE,
            task.name(),
            task.queue(),
            traceContext -> invoke(task, payload, options, traceContext))
        : invoke(task, payload, options, null);
  }

  private <P> Optional<String> invoke(
      TaskDefinition<P, ?> task, P payload, InvokeOptions options, String traceContext) {
    if (options.throttle() != null || options.debounce() != null) {
      return invokeInSlot(null, task, newExecution(task, payload, options, traceContext), options);
    }
    var request =
        new InvokeCoalescer.Request(
            task.name(), task.queue(), newExecution(task, payload, options, traceContext));
    UUID id;
    try {
      id = coalescer.invoke(request);
    } catch (PgConductorException e) {
      throw notInvocableOr(task, e);
    }
    String stored = id.toString();
    if (listeners.active()) {
      var event = new ConductorListener.Invoked(stored, task.name(), task.queue());
      listeners.fire(l -> l.executionInvoked(event));
    }
    return Optional.of(stored);
  }

  /**
   * Stores many executions of one task in one round trip and one transaction, and returns their ids
   * in order. Every payload is checked first; if one is invalid nothing is written. Within one
   * batch, the last of several invocations with the same dedupe key wins. A batch with throttled
   * invocations is stored one statement per invocation, still in one transaction, and an invocation
   * its slot drops has {@code null} in its place.
   *
   * @throws IllegalArgumentException if an invocation is debounced (debounce stands alone)
   */
  public <P> List<String> invokeBatch(TaskDefinition<P, ?> task, List<Invocation<P>> invocations) {
    requireInvocable(task);
    if (invocations.isEmpty()) {
      return List.of();
    }
    return tracing.active()
        ? tracing.sending(
            SendKind.INVOKE,
            task.name(),
            task.queue(),
            traceContext -> invokeBatch(task, invocations, traceContext))
        : invokeBatch(task, invocations, null);
  }

  private <P> List<String> invokeBatch(
      TaskDefinition<P, ?> task, List<Invocation<P>> invocations, String traceContext) {
    if (throttledBatch(invocations)) {
      try {
        return db.call(
            "invoke task '" + task.name() + "'",
            c -> {
              c.setAutoCommit(false);
              try {
                List<String> ids = invokeOneByOne(c, task, invocations, traceContext);
                c.commit();
                return ids;
              } catch (RuntimeException | SQLException e) {
                c.rollback();
                throw e;
              } finally {
                c.setAutoCommit(true);
              }
            });
      } catch (PgConductorException e) {
        throw notInvocableOr(task, e);
      }
    }
    List<NewExecution> rows = new ArrayList<>(invocations.size());
    for (Invocation<P> invocation : invocations) {
      rows.add(newExecution(task, invocation.payload(), invocation.options(), traceContext));
    }
    List<UUID> ids;
    try {
      ids = executions.invoke(task.name(), task.queue(), rows);
    } catch (PgConductorException e) {
      throw notInvocableOr(task, e);
    }
    return heardInvoked(task, ids);
  }

  /**
   * Whether a batch holds throttled invocations, which are stored one by one; a debounced one is
   * refused: debouncing a batch would keep only its last element.
   */
  private static <P> boolean throttledBatch(List<Invocation<P>> invocations) {
    boolean throttled = false;
    for (Invocation<P> invocation : invocations) {
      if (invocation.options().debounce() != null) {
        throw new IllegalArgumentException(
            "invokeBatch cannot debounce: a debounced invoke stands alone (use invoke)");
      }
      throttled |= invocation.options().throttle() != null;
    }
    return throttled;
  }

  /**
   * The invocations of a batch that has throttled ones, each in turn on {@code c} (one statement
   * each, in the caller's transaction); a throttled one its slot drops has a null id.
   */
  private <P> List<String> invokeOneByOne(
      Connection c, TaskDefinition<P, ?> task, List<Invocation<P>> invocations, String traceContext)
      throws SQLException {
    List<NewExecution> rows = new ArrayList<>(invocations.size());
    for (Invocation<P> invocation : invocations) {
      rows.add(newExecution(task, invocation.payload(), invocation.options(), traceContext));
    }
    List<String> ids = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      InvokeOptions o = invocations.get(i).options();
      UUID id =
          o.throttle() != null
              ? executions.invokeInSlot(
                  c, task.name(), task.queue(), rows.get(i), o.throttle(), null)
              : executions
                  .invokeInCallersTransaction(c, task.name(), task.queue(), List.of(rows.get(i)))
                  .getFirst();
      ids.add(id == null ? null : id.toString());
    }
    heardInvoked(task, ids.stream().filter(Objects::nonNull).map(UUID::fromString).toList());
    return java.util.Collections.unmodifiableList(ids);
  }

  /** A throttled or debounced invoke: one statement, on the caller's connection when given. */
  private <P> Optional<String> invokeInSlot(
      Connection connection, TaskDefinition<P, ?> task, NewExecution row, InvokeOptions o) {
    UUID id;
    try {
      id =
          executions.invokeInSlot(
              connection, task.name(), task.queue(), row, o.throttle(), o.debounce());
    } catch (SQLException e) {
      throw notInvocableOr(
          task,
          new PgConductorException(
              "Could not invoke task '" + task.name() + "': " + e.getMessage(), e));
    }
    if (id == null) {
      return Optional.empty();
    }
    heardInvoked(task, List.of(id));
    return Optional.of(id.toString());
  }

  private <P> NewExecution newExecution(
      TaskDefinition<P, ?> task, P payload, InvokeOptions o, String traceContext) {
    return new NewExecution(
        UuidV7.next(),
        tasks.payloadJson(task, payload),
        o.dedupeKey(),
        o.priority(),
        o.runAt(),
        traceContext);
  }

  /**
   * Stores one execution in the caller's own transaction: on {@code connection}, without
   * committing, so the execution exists if and only if the caller commits (and workers hear of it
   * at that commit). Otherwise as {@link #invoke(TaskDefinition, Object, InvokeOptions)}. An
   * invalid payload is refused before anything is sent; a refusal by the database (a task
   * registered without an invocable trigger) leaves the caller's transaction aborted, to roll back.
   * Listeners hear the invoke when the statement has run, before the caller commits.
   *
   * @param connection a connection of the application's, to this Conductor's database (pgjdbc
   *     underneath), in autocommit mode or inside a transaction
   */
  public <P> Optional<String> invoke(
      Connection connection, TaskDefinition<P, ?> task, P payload, InvokeOptions options) {
    Objects.requireNonNull(options, "options");
    return tracing.active()
        ? tracing.sending(
            SendKind.INVOKE,
            task.name(),
            task.queue(),
            traceContext -> invoke(connection, task, payload, options, traceContext))
        : invoke(connection, task, payload, options, null);
  }

  private <P> Optional<String> invoke(
      Connection connection,
      TaskDefinition<P, ?> task,
      P payload,
      InvokeOptions options,
      String traceContext) {
    if (options.throttle() != null || options.debounce() != null) {
      Objects.requireNonNull(connection, "connection");
      requireInvocable(task);
      return invokeInSlot(
          connection, task, newExecution(task, payload, options, traceContext), options);
    }
    return Optional.of(
        invokeOn(connection, task, List.of(newExecution(task, payload, options, traceContext)))
            .getFirst());
  }

  /** {@link #invoke(Connection, TaskDefinition, Object, InvokeOptions)} without options. */
  public <P> Optional<String> invoke(Connection connection, TaskDefinition<P, ?> task, P payload) {
    return invoke(connection, task, payload, InvokeOptions.DEFAULT);
  }

  /**
   * {@link #invokeBatch(TaskDefinition, List)} in the caller's own transaction, as {@link
   * #invoke(Connection, TaskDefinition, Object, InvokeOptions)}.
   */
  public <P> List<String> invokeBatch(
      Connection connection, TaskDefinition<P, ?> task, List<Invocation<P>> invocations) {
    Objects.requireNonNull(invocations, "invocations");
    return tracing.active() && !invocations.isEmpty()
        ? tracing.sending(
            SendKind.INVOKE,
            task.name(),
            task.queue(),
            traceContext -> invokeBatch(connection, task, invocations, traceContext))
        : invokeBatch(connection, task, invocations, null);
  }

  private <P> List<String> invokeBatch(
      Connection connection,
      TaskDefinition<P, ?> task,
      List<Invocation<P>> invocations,
      String traceContext) {
    if (throttledBatch(invocations)) {
      Objects.requireNonNull(connection, "connection");
      requireInvocable(task);
      try {
        return invokeOneByOne(connection, task, invocations, traceContext);
      } catch (SQLException e) {
        throw notInvocableOr(
            task,
            new PgConductorException(
                "Could not invoke task '" + task.name() + "': " + e.getMessage(), e));
      }
    }
    List<NewExecution> rows = new ArrayList<>(invocations.size());
    for (Invocation<P> invocation : invocations) {
      rows.add(newExecution(task, invocation.payload(), invocation.options(), traceContext));
    }
    return rows.isEmpty() ? List.of() : invokeOn(connection, task, rows);
  }

  /** The ids as strings, after telling the listeners (once per execution: equal dedupe keys). */
  private List<String> heardInvoked(TaskDefinition<?, ?> task, List<UUID> ids) {
    List<String> stored = ids.stream().map(UUID::toString).toList();
    if (listeners.active()) {
      for (String id : new LinkedHashSet<>(stored)) {
        var event = new ConductorListener.Invoked(id, task.name(), task.queue());
        listeners.fire(l -> l.executionInvoked(event));
      }
    }
    return stored;
  }

  private List<String> invokeOn(
      Connection connection, TaskDefinition<?, ?> task, List<NewExecution> rows) {
    Objects.requireNonNull(connection, "connection");
    requireInvocable(task);
    List<UUID> ids;
    try {
      ids = executions.invokeInCallersTransaction(connection, task.name(), task.queue(), rows);
    } catch (SQLException e) {
      throw notInvocableOr(
          task,
          new PgConductorException(
              "Could not invoke task '" + task.name() + "': " + e.getMessage(), e));
    }
    return heardInvoked(task, ids);
  }

  /**
   * Creates or replaces a dynamic cron schedule of a task: from now on the task runs at each
   * occurrence of {@code cron} (five fields, or six with seconds first; in UTC) with {@code
   * payload}, which is validated like an invoke's. Its executions are {@link TaskEvent.Scheduled}
   * events named {@code scheduleName}. Scheduling a name again replaces the schedule and its
   * pending occurrence; a dynamic schedule survives restarts until {@link #unschedule}. The name of
   * a {@link Trigger#cron static schedule} of the task is refused.
   *
   * @throws UnknownTaskException if the task is not in this Conductor's {@link TaskSchemas}
   * @throws InvalidPayloadException if the payload is invalid (nothing is written)
   * @throws IllegalArgumentException for a bad expression or a static schedule's name
   */
  public <P> void schedule(TaskDefinition<P, ?> task, String scheduleName, String cron, P payload) {
    schedules.schedule(task, scheduleName, cron, java.time.ZoneOffset.UTC, payload);
  }

  /** {@link #schedule(TaskDefinition, String, String, Object)} in the given time zone. */
  public <P> void schedule(
      TaskDefinition<P, ?> task,
      String scheduleName,
      String cron,
      java.time.ZoneId zone,
      P payload) {
    schedules.schedule(task, scheduleName, cron, zone, payload);
  }

  /**
   * Removes a dynamic schedule and its pending occurrence (one that already runs finishes). Returns
   * false when the task has no dynamic schedule of that name.
   *
   * @throws IllegalArgumentException for the name of a static schedule
   */
  public boolean unschedule(TaskDefinition<?, ?> task, String scheduleName) {
    return schedules.unschedule(task, scheduleName);
  }

  /**
   * Emits a custom event: stores it and, in the same transaction, creates one execution of each
   * task subscribed to it ({@link Trigger#event}) whose condition the payload meets. The payload is
   * validated like an invoke's; nothing is written when it is invalid. One round trip, whatever the
   * number of subscribers. An event nobody subscribes to is stored and starts nothing; a
   * subscription receives the events emitted after an orchestrator that runs its task registered
   * it. Returns the event's id.
   *
   * @throws IllegalArgumentException if the event is not in this Conductor's {@link EventSchemas}
   * @throws InvalidPayloadException if the payload is invalid
   */
  public <E> String emit(EventDefinition<E> event, E payload) {
    UUID id = UuidV7.next();
    events.emit(null, event, payload, id);
    return id.toString();
  }

  /**
   * {@link #emit(EventDefinition, Object)} in the caller's own transaction, on {@code connection}:
   * the event and its executions exist if and only if the caller commits.
   */
  public <E> String emit(Connection connection, EventDefinition<E> event, E payload) {
    Objects.requireNonNull(connection, "connection");
    UUID id = UuidV7.next();
    events.emit(connection, event, payload, id);
    return id.toString();
  }

  /**
   * Emits many events of one kind in one round trip and one transaction, and returns their ids in
   * order. Every payload is checked first; if one is invalid nothing is written.
   */
  public <E> List<String> emitBatch(EventDefinition<E> event, List<E> payloads) {
    Objects.requireNonNull(payloads, "payloads");
    if (payloads.isEmpty()) {
      events.requireDefined(event);
      return List.of();
    }
    List<UUID> ids = new ArrayList<>(payloads.size());
    for (int i = 0; i < payloads.size(); i++) {
      ids.add(UuidV7.next());
    }
    events.emit(null, event, payloads, ids);
    return ids.stream().map(UUID::toString).toList();
  }

  /** Event subscriptions that select fields by a projection type, with those fields as paths. */
  private List<Trigger> withProjectedFields(String task, List<Trigger> triggers) {
    List<Trigger> resolved = new ArrayList<>(triggers.size());
    for (Trigger trigger : triggers) {
      if (trigger instanceof Trigger.Event sub && sub.projection() != null) {
        List<String> paths;
        try {
          paths = Subscriptions.projectionPaths(json.mapper(), sub.projection());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "task '" + task + "', event '" + sub.event().name() + "': " + e.getMessage(), e);
        }
        resolved.add(new Trigger.Event(sub.event(), paths, sub.condition()));
      } else {
        resolved.add(trigger);
      }
    }
    return List.copyOf(resolved);
  }

  /** Event subscriptions: a known event, fields of its payload, one condition expression. */
  private void checkSubscriptions(String task, List<Trigger> triggers) {
    Set<String> subscribed = new HashSet<>();
    for (Trigger trigger : triggers) {
      if (trigger instanceof Trigger.Event sub) {
        try {
          events.requireDefined(sub.event());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("task '" + task + "': " + e.getMessage(), e);
        }
        if (!subscribed.add(sub.event().name())) {
          throw new IllegalArgumentException(
              "task '" + task + "' subscribes to event '" + sub.event().name() + "' twice");
        }
        if (sub.fields() != null) {
          for (String field : sub.fields()) {
            if (!Subscriptions.hasField(json.mapper(), sub.event().payloadType(), field)) {
              throw new IllegalArgumentException(
                  "task '"
                      + task
                      + "': '"
                      + field
                      + "' is not a field of event '"
                      + sub.event().name()
                      + "' ("
                      + sub.event().payloadType().getName()
                      + ")");
            }
          }
        }
        if (sub.condition() != null) {
          try {
            Subscriptions.requireOneExpression(sub.condition());
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                "task '" + task + "', event '" + sub.event().name() + "': " + e.getMessage(), e);
          }
        }
      }
    }
  }

  /**
   * Row-change triggers: one per table and operation, distinct columns, one condition expression.
   * Tables and columns are checked by Postgres when the orchestrator starts.
   */
  private static void checkRowTriggers(String task, List<Trigger> triggers) {
    Set<String> seen = new HashSet<>();
    for (Trigger trigger : triggers) {
      if (trigger instanceof Trigger.RowChange change) {
        if (!seen.add(change.eventName())) {
          throw new IllegalArgumentException(
              "task '" + task + "' has two row-change triggers on " + change.eventName());
        }
        if (change.columns() != null) {
          Set<String> columns = new HashSet<>();
          for (String column : change.columns()) {
            if (column == null || column.isBlank() || !columns.add(column)) {
              throw new IllegalArgumentException(
                  "task '"
                      + task
                      + "', "
                      + change.eventName()
                      + ": columns must be distinct and not blank, got "
                      + change.columns());
            }
          }
        }
        if (change.condition() != null) {
          try {
            SqlExpressions.requireOneExpression(
                change.condition(),
                switch (change.operation()) {
                  case INSERT -> "new";
                  case UPDATE -> "new and old";
                  case DELETE -> "old";
                });
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                "task '" + task + "', " + change.eventName() + ": " + e.getMessage(), e);
          }
        }
      }
    }
  }

  /** Cron triggers: each expression parses, and no two schedules of a task share a name. */
  private static void checkSchedules(String task, List<Trigger> triggers) {
    Set<String> names = new HashSet<>();
    for (Trigger trigger : triggers) {
      if (trigger instanceof Trigger.Cron cron) {
        try {
          CronExpressions.parse(cron.expression());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "task '"
                  + task
                  + "': the cron expression '"
                  + cron.expression()
                  + "' of schedule '"
                  + cron.name()
                  + "' is invalid: "
                  + e.getMessage(),
              e);
        }
        if (!names.add(cron.name())) {
          throw new IllegalArgumentException(
              "task '" + task + "' has two cron schedules named '" + cron.name() + "'");
        }
      }
    }
  }

  private void requireInvocable(TaskDefinition<?, ?> task) {
    Objects.requireNonNull(task, "task");
    tasks.requireDefined(task);
    tasks.requireInvocable(task);
  }

  /** The task is registered elsewhere without an invocable trigger (the database said so). */
  private static PgConductorException notInvocableOr(
      TaskDefinition<?, ?> task, PgConductorException e) {
    return e.getCause() instanceof PSQLException psql
            && psql.getServerErrorMessage() != null
            && "pgconductor:not-invocable".equals(psql.getServerErrorMessage().getHint())
        ? new TaskNotInvocableException(task.name())
        : e;
  }

  /**
   * Cancels an execution with the reason "Cancelled by user"; see {@link #cancel(String, String)}.
   */
  public boolean cancel(String id) {
    return cancel(id, "Cancelled by user");
  }

  /**
   * Cancels an execution. One that is not running (pending, waiting for a retry, sleeping or
   * waiting for a child) fails at once with the reason and never runs. A running one gets its
   * {@link TaskSignal} aborted and its thread interrupted; it stops at its next step or checkpoint
   * and ends cancelled, without retries. Unfinished child executions are cancelled with it. Returns
   * false when the execution is unknown or already finished. Repeating it is harmless.
   *
   * @throws IllegalArgumentException if {@code id} is not an execution id (a UUID)
   */
  public boolean cancel(String id, String reason) {
    Objects.requireNonNull(reason, "reason");
    List<ExecutionStore.CancelledExecution> cancelled = executions.cancel(uuid(id), reason);
    if (listeners.active()) {
      for (var c : cancelled) {
        if (!c.running()) {
          var event = new ConductorListener.Cancelled(c.id().toString(), c.taskName(), c.queue());
          listeners.fire(l -> l.executionCancelled(event));
        }
      }
    }
    return !cancelled.isEmpty();
  }

  /**
   * Runs a failed or cancelled execution again: it goes back to its queue, due now, with its
   * attempts counted from zero, so it gets the task's full number of attempts. Its steps were
   * removed when it finished, so the handler starts from the beginning; its last error stays
   * readable until the new attempt ends. A parent that was waiting for it has already seen its
   * failure. Returns false when the execution is unknown, not finished, or completed.
   *
   * @throws IllegalArgumentException if {@code id} is not an execution id (a UUID)
   * @throws PgConductorException if a pending execution of the task holds the same dedupe key
   */
  public boolean retry(String id) {
    return executions.retry(uuid(id));
  }

  /**
   * Runs the maintenance of a queue now, as its daily run would: removes its finished executions
   * whose retention ran out ({@link TaskOptions#removeOnComplete}, {@link
   * TaskOptions#removeOnFail}), in short batches, and tells the listeners. For operators and tests;
   * orchestrators run it by themselves once a day per queue.
   */
  public MaintenanceReport runMaintenance(String queue) {
    Objects.requireNonNull(queue, "queue");
    MaintenanceReport report;
    try {
      report = maintenance.run(queue, () -> false);
    } catch (SQLException e) {
      throw new PgConductorException(
          "Could not run the maintenance of queue '" + queue + "': " + e.getMessage(), e);
    }
    if (listeners.active()) {
      listeners.fire(l -> l.maintenanceCompleted(report));
    }
    return report;
  }

  /**
   * Removes a queue's executions, unfinished and finished alike, for an operator retiring a queue
   * or clearing it out. Refused while a registered orchestrator serves the queue: stop those first
   * (an orchestrator that crashed counts until its peers declare it dead). A parent execution on
   * another queue waiting for a child of this queue sees the child cancelled. Schedules of the
   * queue's tasks get a new pending occurrence when an orchestrator running them starts;
   * subscriptions and row-change triggers keep creating executions on the queue while tasks on it
   * declare them. Returns how many executions were removed.
   *
   * @throws IllegalStateException while an orchestrator serves the queue (the message names it)
   * @throws IllegalArgumentException when there is no queue of that name
   */
  public long dropQueue(String queue) {
    Objects.requireNonNull(queue, "queue");
    try {
      return maintenance.dropQueue(queue);
    } catch (SQLException e) {
      throw new PgConductorException("Could not drop queue '" + queue + "': " + e.getMessage(), e);
    }
  }

  /**
   * A worker for one queue: the tasks it runs (all on that queue) and its config. Hand it to {@link
   * Orchestrator.Builder#workers}.
   */
  public Worker createWorker(String queue, List<? extends Task<?, ?>> tasks, WorkerConfig config) {
    return new Worker(queue, List.copyOf(tasks), config);
  }

  /**
   * The execution with this id, pending, running or finished; empty when there is none (or it was
   * removed by retention). Payload and result are decoded with the task's definition when this
   * Conductor knows the task, else left as Jackson {@link JsonNode}s. Empty too for an id that is
   * not an execution id (not a UUID).
   */
  public Optional<Execution<Object, Object>> getExecution(String id) {
    return parse(id).flatMap(uuid -> executions.find(uuid)).map(this::untyped);
  }

  /**
   * The execution with this id, its payload and result typed by the task definition. Empty when
   * there is none, or for an id that is not an execution id (not a UUID).
   *
   * @throws IllegalArgumentException if the execution belongs to another task
   */
  public <P, R> Optional<Execution<P, R>> getExecution(TaskDefinition<P, R> task, String id) {
    return parse(id)
        .flatMap(uuid -> executions.find(uuid))
        .map(
            row -> {
              if (!row.taskName().equals(task.name())) {
                throw new IllegalArgumentException(
                    "execution "
                        + id
                        + " belongs to task '"
                        + row.taskName()
                        + "', not '"
                        + task.name()
                        + "'");
              }
              P payload =
                  task.payloadType()
                      .cast(decode(row, row.payloadJson(), task.payloadType(), "payload"));
              R result =
                  task.resultType()
                      .cast(decode(row, row.resultJson(), task.resultType(), "result"));
              return toExecution(row, payload, result);
            });
  }

  /**
   * The executions this one invoked with {@link TaskContext#invoke} that are still retained, oldest
   * first, decoded as by {@link #getExecution(String)}. Empty for an unknown id, or one that is not
   * an execution id.
   */
  public List<Execution<Object, Object>> getChildren(String id) {
    return parse(id).map(uuid -> executions.children(uuid)).orElse(List.of()).stream()
        .map(this::untyped)
        .toList();
  }

  /**
   * Stops the thread that group-commits invokes, and closes the connection pool if this Conductor
   * created it (from a connection string). Stop orchestrators built on it first.
   */
  @Override
  public void close() {
    coalescer.close();
    if (ownedPool != null) {
      ownedPool.close();
    }
  }

  // what orchestrators built on this Conductor share with it

  Db db() {
    return db;
  }

  JsonCodec json() {
    return json;
  }

  TaskRegistry tasks() {
    return tasks;
  }

  C context() {
    return context;
  }

  Logger taskLogger() {
    return taskLogger;
  }

  Listeners listeners() {
    return listeners;
  }

  Tracing tracing() {
    return tracing;
  }

  Migrator migrator() {
    return migrator;
  }

  EventEmitter eventEmitter() {
    return events;
  }

  private static UUID uuid(String id) {
    Objects.requireNonNull(id, "id");
    try {
      return UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + id + "' is not an execution id (a UUID)", e);
    }
  }

  private static Optional<UUID> parse(String id) {
    try {
      return Optional.of(UUID.fromString(Objects.requireNonNull(id, "id")));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private Execution<Object, Object> untyped(ExecutionStore.Row row) {
    Optional<TaskDefinition<?, ?>> definition = tasks.schemas().find(row.taskName());
    Class<?> payloadType =
        definition.<Class<?>>map(TaskDefinition::payloadType).orElse(JsonNode.class);
    Class<?> resultType =
        definition.<Class<?>>map(TaskDefinition::resultType).orElse(JsonNode.class);
    return toExecution(
        row,
        decode(row, row.payloadJson(), payloadType, "payload"),
        decode(row, row.resultJson(), resultType, "result"));
  }

  private Object decode(ExecutionStore.Row row, String text, Class<?> type, String what) {
    if (text == null) {
      return null;
    }
    try {
      return json.read(text, type);
    } catch (JsonProcessingException e) {
      throw new PgConductorException(
          "The " + what + " of execution " + row.id() + " cannot be read as " + type.getName(), e);
    }
  }

  private static <P, R> Execution<P, R> toExecution(ExecutionStore.Row row, P payload, R result) {
    return new Execution<>(
        row.id().toString(),
        row.taskName(),
        row.queue(),
        row.state(),
        row.attempts(),
        row.priority(),
        row.dedupeKey(),
        row.parentId() == null ? null : row.parentId().toString(),
        origin(row),
        payload,
        row.lastError(),
        row.lastErrorStack(),
        row.createdAt(),
        row.runAt(),
        row.startedAt(),
        row.finishedAt(),
        result);
  }

  private static Origin origin(ExecutionStore.Row row) {
    return switch (row.origin()) {
      case "invoked" -> new Origin.Invoked();
      case "child" -> new Origin.Child(row.parentId() == null ? null : row.parentId().toString());
      case "scheduled" -> new Origin.Scheduled(row.originName());
      case "emitted" -> new Origin.Emitted(row.originName());
      case "row_changed" -> new Origin.RowChanged(row.originName());
      default ->
          throw new PgConductorException(
              "Unknown origin '" + row.origin() + "' of execution " + row.id());
    };
  }

  private void requireDefined(TaskDefinition<?, ?> definition) {
    tasks.requireDefined(definition);
  }

  /**
   * Builder of a {@link Conductor}. Exactly one of {@link #connectionString} and {@link
   * #dataSource} must be set.
   *
   * @param <C> custom context type
   */
  public static final class Builder<C> {
    private String connectionString;
    private DataSource dataSource;
    private TaskSchemas tasks = TaskSchemas.empty();
    private EventSchemas events = EventSchemas.empty();
    private C context;
    private Logger logger;
    private ObjectMapper objectMapper;
    private Clock clock;
    private int poolSize = 10;
    private final List<ConductorListener> listeners = new ArrayList<>();
    private ExecutionTracer tracer;
    private List<Migrator.Migration> extraMigrations = List.of();

    private Builder() {}

    /**
     * Test support only, not part of the API: migrations this Conductor knows after the library's
     * own, as a newer version of pgconductor would (the upgrade tests run an "old" and a "new"
     * library side by side, see LiveMigrationIT).
     */
    Builder<C> extraMigrations(List<Migrator.Migration> migrations) {
      this.extraMigrations = List.copyOf(migrations);
      return this;
    }

    /**
     * A listener of this Conductor's invokes and cancels and of every orchestrator built on it; may
     * be called more than once. See {@link ConductorListener}.
     */
    public Builder<C> listener(ConductorListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * The tracer that carries the caller's trace context from {@code invoke} and {@code emit} to
     * the runs of the executions they store (default none: nothing of it is computed or stored).
     * One per Conductor; the orchestrators built on it use it too. See {@link ExecutionTracer} and
     * the module {@code pgconductor-opentelemetry}.
     */
    public Builder<C> tracer(ExecutionTracer tracer) {
      this.tracer = Objects.requireNonNull(tracer, "tracer");
      return this;
    }

    /**
     * A Postgres URL, {@code postgres://user:pass@host:5432/db} or {@code
     * jdbc:postgresql://host:5432/db?user=…}. The Conductor then owns a connection pool, closed by
     * {@link Conductor#close()}.
     */
    public Builder<C> connectionString(String connectionString) {
      this.connectionString = connectionString;
      return this;
    }

    /** A data source of the application's (pgjdbc underneath); the Conductor does not close it. */
    public Builder<C> dataSource(DataSource dataSource) {
      this.dataSource = dataSource;
      return this;
    }

    /** The task definitions this Conductor can invoke and run. */
    public Builder<C> tasks(TaskSchemas tasks) {
      this.tasks = Objects.requireNonNull(tasks, "tasks");
      return this;
    }

    /** The custom events this Conductor emits or its tasks subscribe to (default none). */
    public Builder<C> events(EventSchemas events) {
      this.events = Objects.requireNonNull(events, "events");
      return this;
    }

    /** A custom context object handed to every handler. */
    @SuppressWarnings("unchecked")
    public <T> Builder<T> context(T context) {
      Builder<T> self = (Builder<T>) this;
      self.context = context;
      return self;
    }

    /**
     * Where handlers' {@link TaskContext#logger()} lines go (default: SLF4J
     * "dev.pgconductor.task").
     */
    public Builder<C> logger(Logger logger) {
      this.logger = logger;
      return this;
    }

    /** The Jackson mapper for payloads and results (default: java.time support, ISO dates). */
    public Builder<C> objectMapper(ObjectMapper objectMapper) {
      this.objectMapper = objectMapper;
      return this;
    }

    /**
     * The clock that decides when executions are due (run_at, retry backoff). Unset, the database
     * clock is used, which is what production wants; tests set a controllable one.
     */
    public Builder<C> clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Size of the pool created for a connection string (default 10). */
    public Builder<C> poolSize(int poolSize) {
      if (poolSize < 2) {
        throw new IllegalArgumentException("poolSize must be at least 2, got " + poolSize);
      }
      this.poolSize = poolSize;
      return this;
    }

    public Conductor<C> build() {
      if ((connectionString == null) == (dataSource == null)) {
        throw new IllegalStateException(
            connectionString == null
                ? "Conductor needs a database: set connectionString(...) or dataSource(...)"
                : "Conductor takes either connectionString(...) or dataSource(...), not both");
      }
      HikariDataSource pool = null;
      DataSource ds = dataSource;
      if (connectionString != null) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(ConnectionStrings.toJdbcUrl(connectionString));
        config.setPoolName("pgconductor");
        config.setMaximumPoolSize(poolSize);
        // no connection at build: the database may come up later (Orchestrator.startupTimeout);
        // the first call that needs it reports a database it cannot reach
        config.setInitializationFailTimeout(-1);
        config.addDataSourceProperty("ApplicationName", "pgconductor");
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        // ids go to Postgres as binary uuid[] (see UuidArray); a setting in the URL wins
        config.addDataSourceProperty("binaryTransferEnable", String.valueOf(UuidArray.OID));
        try {
          pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
          throw new PgConductorException(
              "Cannot connect to "
                  + ConnectionStrings.mask(connectionString)
                  + ": "
                  + rootMessage(e),
              e);
        }
        ds = pool;
      }
      ObjectMapper mapper = objectMapper == null ? JsonCodec.defaultMapper() : objectMapper;
      Logger taskLogger = logger == null ? LoggerFactory.getLogger("dev.pgconductor.task") : logger;
      JsonCodec json = new JsonCodec(mapper);
      LOG.info(
          "pgconductor Conductor: {} tasks defined, database {}, clock {}",
          tasks.all().size(),
          connectionString != null ? ConnectionStrings.mask(connectionString) : "from DataSource",
          clock == null ? "database" : clock);
      return new Conductor<>(
          new Db(ds, clock),
          json,
          new TaskRegistry(tasks, json),
          context,
          taskLogger,
          Listeners.of(List.copyOf(listeners)),
          Tracing.of(tracer),
          pool,
          pool == null ? () -> {} : reachability(pool, connectionString),
          events,
          extraMigrations);
    }

    /**
     * The pool connects lazily (the database may come up later); while it holds no connection, a
     * direct attempt tells at once whether the database can be reached.
     */
    private static Runnable reachability(HikariDataSource pool, String connectionString) {
      String jdbcUrl = ConnectionStrings.toJdbcUrl(connectionString);
      return () -> {
        var bean = pool.getHikariPoolMXBean();
        if (bean != null && bean.getTotalConnections() > 0) {
          return;
        }
        try (Connection c = DriverManager.getConnection(jdbcUrl)) {
          // reachable
        } catch (SQLException e) {
          throw new PgConductorException(
              "Cannot connect to "
                  + ConnectionStrings.mask(connectionString)
                  + ": "
                  + rootMessage(e),
              e);
        }
      };
    }

    private static String rootMessage(Throwable e) {
      Throwable t = e;
      while (t.getCause() != null) {
        t = t.getCause();
      }
      return t.getMessage() != null ? t.getMessage() : t.toString();
    }
  }
}
