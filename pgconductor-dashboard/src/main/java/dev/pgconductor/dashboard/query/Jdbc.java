package dev.pgconductor.dashboard.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.UUID;
import javax.sql.DataSource;

/** What the queries share: connections, errors, and reading columns. */
final class Jdbc {
  private static final ObjectMapper TREES = new ObjectMapper();

  private Jdbc() {}

  /** Work on one connection. */
  interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  static <T> T withConnection(DataSource dataSource, String what, Work<T> work) {
    return withConnection(dataSource, what, true, work);
  }

  /** As {@link #withConnection(DataSource, String, Work)}, on a connection that may write. */
  static <T> T withWritableConnection(DataSource dataSource, String what, Work<T> work) {
    return withConnection(dataSource, what, false, work);
  }

  private static <T> T withConnection(
      DataSource dataSource, String what, boolean readOnly, Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setReadOnly(readOnly);
      return work.run(connection);
    } catch (SQLException e) {
      // undefined_table, invalid_schema_name, undefined_function: the schema is not there
      if ("42P01".equals(e.getSQLState()) || "3F000".equals(e.getSQLState())) {
        throw new SchemaNotInstalledException(e);
      }
      throw new QueryException(what + " failed: " + e.getMessage(), e);
    }
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    if (value == null) {
      return null;
    }
    if (value.equals(OffsetDateTime.MAX)) {
      return Instant.MAX; // 'infinity'
    }
    if (value.equals(OffsetDateTime.MIN)) {
      return Instant.MIN;
    }
    return value.toInstant();
  }

  static String uuid(ResultSet rs, String column) throws SQLException {
    UUID value = rs.getObject(column, UUID.class);
    return value == null ? null : value.toString();
  }

  static JsonNode json(ResultSet rs, String column) throws SQLException {
    String text = rs.getString(column);
    if (text == null) {
      return null;
    }
    try {
      return TREES.readTree(text);
    } catch (IOException e) {
      throw new SQLException("column " + column + " holds text that is not JSON", e);
    }
  }

  /** A number of seconds (as {@code extract(epoch from ...)} gives) as a duration. */
  static Duration seconds(ResultSet rs, String column) throws SQLException {
    double seconds = rs.getDouble(column);
    if (rs.wasNull()) {
      return null;
    }
    return Duration.ofNanos(Math.round(seconds * 1_000_000_000d));
  }

  static Integer integer(ResultSet rs, String column) throws SQLException {
    int value = rs.getInt(column);
    return rs.wasNull() ? null : value;
  }

  /** An execution id given by a person: a UUID, or an error that says so. */
  static UUID executionId(String id) {
    try {
      return UUID.fromString(id.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + id + "' is not an execution id (a UUID)", e);
    }
  }
}
