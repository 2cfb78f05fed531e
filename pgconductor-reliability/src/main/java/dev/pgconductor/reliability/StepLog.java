package dev.pgconductor.reliability;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;

/**
 * Where handlers record each run of a step body: one row in {@code harness.step_runs} per run,
 * written on a connection pool of its own in autocommit, outside the engine and outside any fault
 * proxy, so that a run is recorded even when the engine's connections are cut. A write that fails
 * (Postgres restarting) is retried for up to two minutes rather than failing the handler, which
 * would count as a failure of the handler's own.
 */
public final class StepLog implements AutoCloseable {
  private static final Duration GIVE_UP_AFTER = Duration.ofMinutes(2);

  private final HikariDataSource pool;
  private final String worker;
  private final long pid = ProcessHandle.current().pid();

  /** A log on the database at {@code url}, naming runs after {@code worker}. */
  public StepLog(String url, String worker) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(6);
    config.setMinimumIdle(1);
    config.setConnectionTimeout(5_000);
    config.setInitializationFailTimeout(-1); // the database may be down when the worker starts
    config.setPoolName("step-log");
    this.pool = new HikariDataSource(config);
    this.worker = worker;
  }

  /**
   * Records that the body of {@code step} of execution {@code executionId} starts to run, in
   * attempt {@code attempt}, and returns the run's token, which the step returns as its result.
   */
  public String run(String executionId, String step, int attempt) {
    String token = UUID.randomUUID().toString();
    // when the body started, by this host's clock (the database's host): the insert below may wait
    // for a pooled connection, or for Postgres, and the process may be frozen meanwhile
    java.sql.Timestamp startedAt = java.sql.Timestamp.from(java.time.Instant.now());
    long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
    while (true) {
      try (Connection c = pool.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  "insert into harness.step_runs"
                      + " (execution_id, step, attempt, token, worker, pid, started_at)"
                      + " values (?::uuid, ?, ?, ?, ?, ?, ?)")) {
        ps.setString(1, executionId);
        ps.setString(2, step);
        ps.setInt(3, attempt);
        ps.setString(4, token);
        ps.setString(5, worker);
        ps.setLong(6, pid);
        ps.setTimestamp(7, startedAt);
        ps.executeUpdate();
        return token;
      } catch (SQLException e) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("cannot log a step run", e);
        }
        pause();
      }
    }
  }

  private static void pause() {
    try {
      Thread.sleep(200); // a retry pace while Postgres is away, not a synchronization
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while logging a step run", e);
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
