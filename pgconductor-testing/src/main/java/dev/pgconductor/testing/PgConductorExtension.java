package dev.pgconductor.testing;

import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.Conductor;
import dev.pgconductor.EventSchemas;
import dev.pgconductor.Execution;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.WorkerConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives each test a {@link Conductor} on a fresh database with the pgconductor schema installed,
 * driven by a {@link TestClock}, and cleans up after it: orchestrators stopped, Conductors closed,
 * the database dropped.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PgConductorExtension pg = PgConductorExtension.withTasks(TaskSchemas.of(GREET));
 *
 * @Test
 * void greets() {
 *   Task<Greet, Greeting> greet = pg.conductor().createTask(...);
 *   String id = pg.conductor().invoke(GREET, new Greet("Ada")).orElseThrow();
 *   pg.drain(greet);                                   // fails the test if work is left over
 *   assertThat(pg.execution(GREET, id)).isCompleted().hasResult(new Greeting("Hello, Ada"));
 *   pg.clock().advance(Duration.ofHours(1));            // a sleep, a backoff, a cron occurrence …
 *   pg.drain(greet);                                   // … runs now
 * }
 * }</pre>
 *
 * <p>The database server is {@link TestPostgres}'s: the one named by {@code PGCONDUCTOR_TEST_URL},
 * or an embedded Postgres started once per JVM. Each test gets a database of its own, created when
 * it first asks for the Conductor (a test that never does costs nothing).
 */
public final class PgConductorExtension implements BeforeEachCallback, AfterEachCallback {
  /** How long {@link #drain(Task[])} waits before it fails the test. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);

  private static final WorkerConfig FAST =
      WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build();

  private final TaskSchemas tasks;
  private final EventSchemas events;
  private final WorkerConfig workerConfig;
  private State state; // of the current test

  /** What one test made. */
  private static final class State {
    final TestClock clock = new TestClock();
    final List<AutoCloseable> closeables = new ArrayList<>();
    String url;
    HikariDataSource dataSource;
    Conductor<Void> conductor;
  }

  private PgConductorExtension(TaskSchemas tasks, EventSchemas events, WorkerConfig workerConfig) {
    this.tasks = Objects.requireNonNull(tasks, "tasks");
    this.events = Objects.requireNonNull(events, "events");
    this.workerConfig = Objects.requireNonNull(workerConfig, "workerConfig");
  }

  /** An extension whose Conductors know these tasks. */
  public static PgConductorExtension withTasks(TaskSchemas tasks) {
    return new PgConductorExtension(tasks, EventSchemas.empty(), FAST);
  }

  /** The same extension, whose Conductors also know these custom events. */
  public PgConductorExtension withEvents(EventSchemas events) {
    return new PgConductorExtension(tasks, events, workerConfig);
  }

  /**
   * The same extension, whose drains run their workers with this config (default: the default
   * config polling every 20 ms, so that work the clock made due is found at once).
   */
  public PgConductorExtension withWorkerConfig(WorkerConfig config) {
    return new PgConductorExtension(tasks, events, config);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    state = new State();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    State s = state;
    state = null;
    for (AutoCloseable c : s.closeables.reversed()) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort: the database goes next anyway
      }
    }
    if (s.url != null) {
      TestPostgres.dropDatabase(s.url);
    }
  }

  /** The test's clock. The Conductor and the database schedule by it. */
  public TestClock clock() {
    return current().clock;
  }

  /**
   * The test's Conductor: on the test's own database, with the schema installed, this extension's
   * tasks and events, and the test's clock. Register handlers on it with {@code createTask}.
   */
  public Conductor<Void> conductor() {
    State s = current();
    if (s.conductor == null) {
      s.conductor = closeAfter(builder().build());
      s.conductor.ensureInstalled();
    }
    return s.conductor;
  }

  /**
   * A builder of another Conductor on the test's database, with this extension's tasks, events and
   * clock: for a custom context ({@code .context(...)}), a listener, or a second process'
   * Conductor. Close what you build, or hand it to {@link #closeAfter}.
   */
  public Conductor.Builder<Void> builder() {
    return Conductor.builder()
        .connectionString(url())
        .tasks(tasks)
        .events(events)
        .clock(current().clock);
  }

  /** The JDBC URL of the test's database. */
  public String url() {
    State s = current();
    if (s.url == null) {
      s.url = TestPostgres.createDatabase();
    }
    return s.url;
  }

  /** Closes this after the test, before its database is dropped. */
  public <T extends AutoCloseable> T closeAfter(T closeable) {
    current().closeables.add(Objects.requireNonNull(closeable, "closeable"));
    return closeable;
  }

  /**
   * Runs the tasks until nothing they serve is due now or running (see {@link
   * Orchestrator#drain()}), in an orchestrator started for the purpose and stopped after. Fails the
   * test, listing what is left, when that takes longer than {@link #DEFAULT_DRAIN_TIMEOUT}.
   * Executions due later than the clock's time are left alone: advance the clock and drain again.
   */
  public void drain(Task<?, ?>... tasks) {
    drain(DEFAULT_DRAIN_TIMEOUT, tasks);
  }

  /** As {@link #drain(Task[])}, failing the test after {@code timeout}. */
  public void drain(Duration timeout, Task<?, ?>... tasks) {
    Objects.requireNonNull(timeout, "timeout");
    if (tasks.length == 0) {
      throw new IllegalArgumentException("drain needs the tasks to run");
    }
    Orchestrator orchestrator =
        Orchestrator.builder(conductor())
            .tasks(tasks)
            .defaultWorker(workerConfig)
            .handleSignals(false)
            .build();
    if (!orchestrator.drain(timeout)) {
      throw new AssertionError(
          "the queues were not drained within "
              + timeout
              + " (the clock is at "
              + clock().instant()
              + "); still pending or running:\n"
              + String.join("\n", unfinished()));
    }
  }

  /**
   * The execution with this id, or a failed test when there is none (never invoked, or removed by
   * retention). Payload and result as the Conductor decodes them.
   */
  public Execution<Object, Object> execution(String id) {
    return conductor()
        .getExecution(id)
        .orElseThrow(() -> new AssertionError("there is no execution " + id));
  }

  /** The execution with this id, typed by its task definition, or a failed test. */
  public <P, R> Execution<P, R> execution(TaskDefinition<P, R> task, String id) {
    return conductor()
        .getExecution(task, id)
        .orElseThrow(() -> new AssertionError("there is no execution " + id + " of " + task));
  }

  /**
   * The steps an unfinished execution has recorded, by name, as JSON text (a sleep shows as {@code
   * {"sleepUntil": …}}). Empty once it finished: its steps go with it.
   */
  public Map<String, String> recordedSteps(String id) {
    Map<String, String> steps = new LinkedHashMap<>();
    try (Connection c = dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select name, coalesce(result::text, error) from pgconductor.steps"
                    + " where execution_id = ?::uuid and done order by created_at, name")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          steps.put(rs.getString(1), rs.getString(2));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the steps of " + id, e);
    }
    return steps;
  }

  /** Unfinished executions, one line each, oldest due first (at most 20). */
  private List<String> unfinished() {
    List<String> lines = new ArrayList<>();
    try (Connection c = dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                """
                select id, task_key, queue, state, run_at, attempts, last_error
                from pgconductor.all_executions
                where state in ('pending', 'running', 'waiting')
                order by run_at nulls last, id
                limit 21""")) {
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (lines.size() == 20) {
            lines.add("  …");
            break;
          }
          lines.add(
              String.format(
                  "  %s %s (queue %s) %s, due %s, %d attempts%s",
                  rs.getString("id"),
                  rs.getString("task_key"),
                  rs.getString("queue"),
                  rs.getString("state"),
                  rs.getTimestamp("run_at") == null
                      ? "never"
                      : rs.getTimestamp("run_at").toInstant(),
                  rs.getInt("attempts"),
                  rs.getString("last_error") == null
                      ? ""
                      : ", last error: " + rs.getString("last_error")));
        }
      }
    } catch (SQLException e) {
      lines.add("  (could not list them: " + e.getMessage() + ")");
    }
    return lines;
  }

  private HikariDataSource dataSource() {
    State s = current();
    if (s.dataSource == null) {
      s.dataSource = closeAfter(TestPostgres.pool(url(), 2));
    }
    return s.dataSource;
  }

  private State current() {
    if (state == null) {
      throw new IllegalStateException(
          "PgConductorExtension is used outside a test: register it with @RegisterExtension on a"
              + " static field and use it in test methods");
    }
    return state;
  }
}
