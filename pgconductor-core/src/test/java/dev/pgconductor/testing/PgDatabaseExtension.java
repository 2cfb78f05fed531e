package dev.pgconductor.testing;

import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.Conductor;
import dev.pgconductor.TaskSchemas;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a fresh database on the test server ({@link TestPostgres}), and closes the
 * Conductors it made and drops the database afterwards.
 *
 * <pre>{@code
 * @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();
 * }</pre>
 */
public final class PgDatabaseExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private String url;
  private HikariDataSource dataSource;
  private final List<AutoCloseable> closeables = new ArrayList<>(); // closed after the class
  private final List<AutoCloseable> perTest = new ArrayList<>(); // closed after the test
  private volatile boolean inTest;

  @Override
  public void beforeEach(ExtensionContext context) {
    inTest = true;
  }

  /**
   * Closes what a test registered, so that the pools of its Conductors do not pile up over the
   * class (the server's connections are limited).
   */
  @Override
  public void afterEach(ExtensionContext context) {
    inTest = false;
    closeAll(perTest);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    url = TestPostgres.createDatabase();
    dataSource = TestPostgres.pool(url, 4);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    closeAll(closeables);
    dataSource.close();
    TestPostgres.dropDatabase(url);
  }

  /** JDBC URL of this class's database. */
  public String url() {
    return url;
  }

  /** A pool on this class's database, for the test's own queries. */
  public HikariDataSource dataSource() {
    return dataSource;
  }

  /** A Conductor builder on this database. */
  public Conductor.Builder<Void> conductor(TaskSchemas tasks) {
    return Conductor.builder().connectionString(url).tasks(tasks);
  }

  /** Installs the pgconductor schema in this class's database (for classes that share it). */
  public void installSchema() {
    try (var conductor = conductor(TaskSchemas.empty()).poolSize(2).build()) {
      conductor.ensureInstalled();
    }
  }

  /** Empties the executions, finished executions and registered tasks (between tests). */
  public void emptyExecutionTables() {
    execute("truncate pgconductor.executions, pgconductor.finished_executions, pgconductor.tasks");
  }

  /** Registers something to close after the test that registered it (or after the class). */
  public <T extends AutoCloseable> T closeAfter(T closeable) {
    synchronized (this) {
      (inTest ? perTest : closeables).add(closeable);
    }
    return closeable;
  }

  private synchronized void closeAll(List<AutoCloseable> list) {
    for (AutoCloseable c : list.reversed()) {
      try {
        c.close();
      } catch (Exception ignored) {
        // best effort
      }
    }
    list.clear();
  }

  /** Runs one query returning a single long (counts, mostly). */
  public long queryLong(String sql, Object... args) {
    try (Connection c = dataSource.getConnection();
        var ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs one query returning a single text value (null when there is no row). */
  public String dataSourceQueryString(String sql) {
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Runs a statement. */
  public void execute(String sql) {
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Makes an execution look held by an orchestrator that died an hour ago while running its first
   * attempt, with a cancellation requested when {@code cancelReason} is not null. The next
   * orchestrator to start rescues it.
   */
  public void holdByDeadOrchestrator(String executionId, String cancelReason) {
    UUID dead = UUID.randomUUID();
    execute(
        "insert into pgconductor.orchestrators (id, host, pid, started_at, last_heartbeat_at)"
            + " values ('"
            + dead
            + "', 'gone', 1, now() - interval '1 hour',"
            + " now() - interval '1 hour')");
    try (Connection c = dataSource.getConnection();
        var ps =
            c.prepareStatement(
                "update pgconductor.executions set locked_by = ?, locked_at = now(),"
                    + " attempts = 1, lease = 1, cancel_reason = ? where id = ?::uuid")) {
      ps.setObject(1, dead);
      ps.setString(2, cancelReason);
      ps.setString(3, executionId);
      if (ps.executeUpdate() != 1) {
        throw new IllegalStateException("no unfinished execution " + executionId);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
