package dev.pgconductor.internal.db;

import dev.pgconductor.PgConductorException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * The data source plus the time the engine schedules with. With no clock set, SQL functions get
 * {@code null} for their {@code p_now} argument and use the database's {@code now()}; tests set a
 * controllable clock instead. Liveness (heartbeats) always uses the database clock.
 */
public final class Db {
  private final DataSource dataSource;
  private final Clock clock;

  public Db(DataSource dataSource, Clock clock) {
    this.dataSource = dataSource;
    this.clock = clock;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  /** The {@code p_now} argument: the configured clock's instant, or null for the database clock. */
  public String nowParam() {
    return clock == null ? null : clock.instant().toString();
  }

  /** Whether a clock was configured (tests); otherwise the database clock rules. */
  public boolean hasClock() {
    return clock != null;
  }

  /** Current time by the engine's clock (the JVM clock when no clock is set). */
  public Instant now() {
    return clock == null ? Instant.now() : clock.instant();
  }

  /**
   * A connection in autocommit mode: every engine call is one statement that must commit on its
   * own, even when the application's pool hands out connections with autoCommit=false.
   */
  public Connection connection() throws SQLException {
    Connection connection = dataSource.getConnection();
    if (!connection.getAutoCommit()) {
      connection.setAutoCommit(true);
    }
    return connection;
  }

  /** Runs one unit of work on a pooled connection (autocommit). */
  public <T> T call(String what, SqlWork<T> work) {
    try (Connection connection = connection()) {
      return work.apply(connection);
    } catch (SQLException e) {
      throw new PgConductorException("Could not " + what + ": " + e.getMessage(), e);
    }
  }

  public static Instant instant(Timestamp timestamp) {
    return timestamp == null ? null : timestamp.toInstant();
  }

  /** A unit of JDBC work. */
  @FunctionalInterface
  public interface SqlWork<T> {
    T apply(Connection connection) throws SQLException;
  }
}
