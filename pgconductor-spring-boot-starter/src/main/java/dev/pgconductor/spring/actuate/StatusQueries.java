package dev.pgconductor.spring.actuate;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The read-only queries of the health indicator and the endpoint, on the documented tables of the
 * {@code pgconductor} schema (docs/schema.md). Each is cheap: the counts read only the unfinished
 * executions, never {@code finished_executions}.
 */
final class StatusQueries {
  private static final String QUEUES = "select name from pgconductor.queues";

  private static final String COUNTS =
      """
      select queue,
             count(*) filter (where state = 'pending') as pending,
             count(*) filter (where state = 'pending' and run_at <= now()) as due,
             count(*) filter (where state = 'running') as running,
             count(*) filter (where state = 'waiting') as waiting
      from pgconductor.all_executions
      where state in ('pending', 'running', 'waiting')
      group by queue
      """;

  private static final String ORCHESTRATORS =
      """
      select id, host, pid, started_at, last_heartbeat_at, schema_version,
             (extract(epoch from now() - last_heartbeat_at) * 1000)::bigint as heartbeat_age_ms
      from pgconductor.orchestrators
      order by started_at
      """;

  private static final String HEARTBEAT_AGE =
      """
      select (extract(epoch from now() - last_heartbeat_at) * 1000)::bigint
      from pgconductor.orchestrators
      where id = ?
      """;

  private final DataSource dataSource;

  StatusQueries(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** Unfinished executions of a queue, by state; {@code due} are pending ones whose time came. */
  record QueueCounts(String name, long pending, long due, long running, long waiting) {}

  /** A registered orchestrator as its row says. */
  record OrchestratorRow(
      String id,
      String host,
      long pid,
      Instant startedAt,
      Instant lastHeartbeatAt,
      Duration sinceHeartbeat,
      int schemaVersion) {}

  /** Every queue with a partition or with unfinished executions, by name. */
  List<QueueCounts> queues() throws SQLException {
    Map<String, QueueCounts> byName = new TreeMap<>();
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery(QUEUES)) {
        while (rs.next()) {
          byName.put(rs.getString(1), new QueueCounts(rs.getString(1), 0, 0, 0, 0));
        }
      }
      try (ResultSet rs = st.executeQuery(COUNTS)) {
        while (rs.next()) {
          String queue = rs.getString("queue");
          byName.put(
              queue,
              new QueueCounts(
                  queue,
                  rs.getLong("pending"),
                  rs.getLong("due"),
                  rs.getLong("running"),
                  rs.getLong("waiting")));
        }
      }
    }
    return List.copyOf(byName.values());
  }

  /** The registered orchestrators, oldest first. */
  List<OrchestratorRow> orchestrators() throws SQLException {
    List<OrchestratorRow> rows = new ArrayList<>();
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(ORCHESTRATORS)) {
      while (rs.next()) {
        rows.add(
            new OrchestratorRow(
                rs.getString("id"),
                rs.getString("host"),
                rs.getLong("pid"),
                rs.getTimestamp("started_at").toInstant(),
                rs.getTimestamp("last_heartbeat_at").toInstant(),
                Duration.ofMillis(rs.getLong("heartbeat_age_ms")),
                rs.getInt("schema_version")));
      }
    }
    return rows;
  }

  /**
   * How long ago, by the database clock, an orchestrator last heartbeated; empty when it is not
   * registered (stopped, or declared dead by its peers).
   */
  Optional<Duration> heartbeatAge(String orchestratorId) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(HEARTBEAT_AGE)) {
      ps.setObject(1, UUID.fromString(orchestratorId));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(Duration.ofMillis(rs.getLong(1))) : Optional.empty();
      }
    }
  }

  /** Whether the database answers and the pgconductor schema is installed. */
  void ping() throws SQLException {
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("select 1 from pgconductor.orchestrators limit 1")) {
      rs.next();
    }
  }
}
