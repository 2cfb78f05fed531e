package dev.pgconductor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.internal.ConductorCore;
import dev.pgconductor.internal.InvokeCoalescer;
import dev.pgconductor.internal.db.ConnectionStrings;
import dev.pgconductor.internal.db.Db;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.UuidArray;
import dev.pgconductor.internal.json.JsonCodec;
import dev.pgconductor.internal.task.RegisteredTask;
import dev.pgconductor.internal.util.UuidV7;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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
 * String id = conductor.invoke(GREET, new Greet("World"));
 * }</pre>
 *
 * @param <C> custom context type reachable from handlers through {@link TaskContext#context()}
 */
public final class Conductor<C> implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Conductor.class);

  private final ConductorCore<C> core;
  private final HikariDataSource ownedPool;
  private final InvokeCoalescer coalescer;

  private Conductor(ConductorCore<C> core, HikariDataSource ownedPool) {
    this.core = core;
    this.ownedPool = ownedPool;
    this.coalescer = new InvokeCoalescer(core.executions());
  }

  /** A builder; set a connection string or a data source, and the task definitions. */
  public static Builder<Void> builder() {
    return new Builder<>();
  }

  /** Creates or upgrades the {@code pgconductor} schema; a no-op when it is current (MIG-1). */
  public void ensureInstalled() {
    core.migrator().ensureInstalled();
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
   * TaskSchemas} with the same types and queue (DEF-2), and may be registered once.
   */
  public <P, R> Task<P, R> createTask(
      TaskOptions<P, R> options, List<Trigger> triggers, TaskHandler<P, R, C> handler) {
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(handler, "handler");
    if (triggers.isEmpty()) {
      throw new IllegalArgumentException(
          "task '" + options.name() + "' needs at least one trigger, e.g. Trigger.invocable()");
    }
    requireDefined(options.definition());
    RegisteredTask<P, R, C> task = new RegisteredTask<>(options, triggers, handler);
    core.register(task);
    return task;
  }

  /** Stores one execution and returns its id; does not wait for it to run (INV-1). */
  public <P> String invoke(TaskDefinition<P, ?> task, P payload) {
    return invokeOne(task, Invocation.of(payload));
  }

  /**
   * Stores one execution with options and returns its id: a new one, or the id of a pending
   * execution with the same dedupe key whose payload and options were replaced (INV-3).
   */
  public <P> Optional<String> invoke(TaskDefinition<P, ?> task, P payload, InvokeOptions options) {
    Invocation<P> invocation =
        new Invocation<>(payload, options.dedupeKey(), options.priority(), options.runAt());
    return Optional.of(invokeOne(task, invocation));
  }

  /**
   * One invoke, group-committed with concurrent ones: many threads invoking at once share one round
   * trip and one commit (see InvokeCoalescer); a lone call is sent at once.
   */
  private <P> String invokeOne(TaskDefinition<P, ?> task, Invocation<P> invocation) {
    requireInvocable(task);
    var row =
        new InvokeCoalescer.Row(
            task.name(),
            task.queue(),
            UuidV7.next(),
            core.payloadJson(task, invocation.payload()),
            invocation.dedupeKey(),
            invocation.priority(),
            invocation.runAt() == null ? null : invocation.runAt().toString(),
            new CompletableFuture<>());
    try {
      return coalescer.invoke(row).toString();
    } catch (PgConductorException e) {
      if (isNotInvocable(e.getCause())) {
        throw new TaskNotInvocableException(task.name());
      }
      throw e;
    }
  }

  private void requireInvocable(TaskDefinition<?, ?> task) {
    Objects.requireNonNull(task, "task");
    requireDefined(task);
    core.registered(task.name())
        .filter(registered -> !registered.invocable())
        .ifPresent(
            registered -> {
              throw new TaskNotInvocableException(task.name());
            });
  }

  /**
   * Stores many executions of one task in one round trip and one transaction, and returns their ids
   * in order (INV-7). Every payload is checked first; if one is invalid nothing is written.
   */
  public <P> List<String> invokeBatch(TaskDefinition<P, ?> task, List<Invocation<P>> invocations) {
    requireInvocable(task);
    if (invocations.isEmpty()) {
      return List.of();
    }
    int n = invocations.size();
    UUID[] ids = new UUID[n];
    String[] payloads = new String[n];
    String[] keys = new String[n];
    Integer[] priorities = new Integer[n];
    String[] runAts = new String[n];
    for (int i = 0; i < n; i++) {
      Invocation<P> invocation = invocations.get(i);
      payloads[i] = core.payloadJson(task, invocation.payload());
      ids[i] = UuidV7.next();
      keys[i] = invocation.dedupeKey();
      priorities[i] = invocation.priority();
      runAts[i] = invocation.runAt() == null ? null : invocation.runAt().toString();
    }
    try {
      return core
          .executions()
          .invoke(task.name(), task.queue(), ids, payloads, keys, priorities, runAts, null)
          .stream()
          .map(UUID::toString)
          .toList();
    } catch (PgConductorException e) {
      if (isNotInvocable(e.getCause())) {
        throw new TaskNotInvocableException(task.name());
      }
      throw e;
    }
  }

  /**
   * Cancels an execution (CAN-1) with the reason "Cancelled by user"; see {@link #cancel(String,
   * String)}.
   */
  public boolean cancel(String id) {
    return cancel(id, "Cancelled by user");
  }

  /**
   * Cancels an execution (CAN-1). One that is not running (pending, waiting for a retry, sleeping
   * or waiting for a child) fails at once with the reason and never runs. A running one gets its
   * {@link TaskSignal} aborted and its thread interrupted; it stops at its next step or checkpoint
   * and ends cancelled, without retries. Unfinished child executions are cancelled with it. Returns
   * false when the execution is unknown or already finished. Repeating it is harmless.
   */
  public boolean cancel(String id, String reason) {
    Objects.requireNonNull(reason, "reason");
    UUID uuid;
    try {
      uuid = UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return core.executions().cancel(uuid, reason);
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
   * removed by retention). The result is decoded with the task's definition when this Conductor
   * knows the task, else left as a Jackson {@link JsonNode}.
   */
  public Optional<Execution<Object>> getExecution(String id) {
    return find(id)
        .map(
            row -> {
              Class<?> type =
                  core.schemas()
                      .find(row.taskName())
                      .<Class<?>>map(TaskDefinition::resultType)
                      .orElse(JsonNode.class);
              return toExecution(row, decode(row, type));
            });
  }

  /** The execution with this id, its result typed by the task definition. */
  public <R> Optional<Execution<R>> getExecution(TaskDefinition<?, R> task, String id) {
    return find(id)
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
              return toExecution(row, task.resultType().cast(decode(row, task.resultType())));
            });
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

  ConductorCore<C> core() {
    return core;
  }

  private Optional<ExecutionStore.Row> find(String id) {
    UUID uuid;
    try {
      uuid = UUID.fromString(id);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    return core.executions().find(uuid);
  }

  private Object decode(ExecutionStore.Row row, Class<?> type) {
    try {
      return core.json().read(row.resultJson(), type);
    } catch (JsonProcessingException e) {
      throw new PgConductorException(
          "result of execution " + row.id() + " cannot be read as " + type.getName(), e);
    }
  }

  private static <R> Execution<R> toExecution(ExecutionStore.Row row, R result) {
    return new Execution<>(
        row.id().toString(),
        row.taskName(),
        row.queue(),
        row.state(),
        row.attempts(),
        row.priority(),
        row.dedupeKey(),
        row.parentId() == null ? null : row.parentId().toString(),
        row.lastError(),
        row.lastErrorStack(),
        row.createdAt(),
        row.runAt(),
        row.startedAt(),
        row.finishedAt(),
        result);
  }

  private void requireDefined(TaskDefinition<?, ?> definition) {
    core.requireDefined(definition);
  }

  private static boolean isNotInvocable(Throwable cause) {
    return cause instanceof PSQLException psql
        && psql.getServerErrorMessage() != null
        && "pgconductor:not-invocable".equals(psql.getServerErrorMessage().getHint());
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
    private C context;
    private Logger logger;
    private ObjectMapper objectMapper;
    private Clock clock;
    private int poolSize = 10;

    private Builder() {}

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

    /** A custom context object handed to every handler (DEF-5). */
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
      ConductorCore<C> core =
          new ConductorCore<>(new Db(ds, clock), new JsonCodec(mapper), tasks, context, taskLogger);
      LOG.info(
          "pgconductor Conductor: {} tasks defined, database {}, clock {}",
          tasks.all().size(),
          connectionString != null ? ConnectionStrings.mask(connectionString) : "from DataSource",
          clock == null ? "database" : clock);
      return new Conductor<>(core, pool);
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
