package dev.pgconductor.dashboard.query;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Reads the state of a pgconductor database at a glance: queue depths by state, the age of the
 * oldest due execution, recent outcomes, and the live orchestrators with what they serve.
 *
 * <p>Cheap enough to poll: the depths are one {@code group by} over the unfinished executions (the
 * narrow hot table), the finished counts one over the executions that finished within the window.
 * The finished counts read the index on {@code finished_at}, so they cost what the window holds,
 * not what the table holds.
 *
 * <pre>{@code
 * Status status = new StatusQuery(dataSource).read(Duration.ofHours(1));
 * }</pre>
 */
public final class StatusQuery {
  private static final String QUEUES =
      """
      with live as (
        select queue,
               count(*) filter (where state = 'pending' and run_at <= now()) as pending,
               count(*) filter (where state = 'pending' and run_at > now()) as scheduled,
               count(*) filter (where state = 'running') as running,
               count(*) filter (where state = 'waiting') as waiting,
               extract(epoch from now() - min(run_at)
                 filter (where state = 'pending' and run_at <= now())) as oldest_pending
        from pgconductor.all_executions
        where state in ('pending', 'running', 'waiting')
        group by queue
      ), finished as (
        select queue,
               count(*) filter (where state = 'completed') as completed,
               count(*) filter (where state = 'failed') as failed,
               count(*) filter (where state = 'cancelled') as cancelled
        from pgconductor.finished_executions
        where finished_at > now() - make_interval(secs => ?)
        group by queue
      ), names as (
        select name as queue from pgconductor.queues
        union select queue from live
        union select queue from finished
        union select queue from pgconductor.served_tasks
      )
      select n.queue,
             coalesce(l.pending, 0) as pending, coalesce(l.scheduled, 0) as scheduled,
             coalesce(l.running, 0) as running, coalesce(l.waiting, 0) as waiting,
             l.oldest_pending,
             coalesce(f.completed, 0) as completed, coalesce(f.failed, 0) as failed,
             coalesce(f.cancelled, 0) as cancelled
      from names n
      left join live l on l.queue = n.queue
      left join finished f on f.queue = n.queue
      order by n.queue
      """;

  private static final String ORCHESTRATORS =
      """
      select id, host, pid, started_at, last_heartbeat_at, live_since,
             extract(epoch from now() - last_heartbeat_at) as heartbeat_age,
             extract(epoch from heartbeat_timeout) as heartbeat_timeout
      from pgconductor.orchestrators
      order by started_at, id
      """;

  private static final String SERVED =
      """
      select orchestrator, queue, array_agg(task_key order by task_key) as tasks
      from pgconductor.served_tasks
      group by orchestrator, queue
      order by orchestrator, queue
      """;

  private final DataSource dataSource;

  /** Queries through this data source (one connection per call). */
  public StatusQuery(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Reads the status now.
   *
   * @param window how far back to count finished executions (for example one hour)
   * @throws SchemaNotInstalledException when the database has no pgconductor schema
   * @throws QueryException when the database cannot be reached or a query fails
   */
  public Status read(Duration window) {
    Objects.requireNonNull(window, "window");
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("the window must be positive, got " + window);
    }
    return Jdbc.withConnection(
        dataSource,
        "reading the status",
        connection -> {
          // one snapshot for all three queries, so the numbers agree with each other
          connection.setAutoCommit(false);
          try (var st = connection.createStatement()) {
            st.execute("set transaction isolation level repeatable read, read only");
          }
          try {
            Instant at = now(connection);
            List<QueueStatus> queues = queues(connection, window);
            List<OrchestratorStatus> orchestrators = orchestrators(connection);
            return new Status(at, window, queues, orchestrators);
          } finally {
            connection.rollback();
          }
        });
  }

  private static Instant now(Connection connection) throws SQLException {
    try (var st = connection.createStatement();
        ResultSet rs = st.executeQuery("select now() as now")) {
      rs.next();
      return Jdbc.instant(rs, "now");
    }
  }

  private static List<QueueStatus> queues(Connection connection, Duration window)
      throws SQLException {
    List<QueueStatus> queues = new ArrayList<>();
    try (PreparedStatement ps = connection.prepareStatement(QUEUES)) {
      ps.setDouble(1, window.toNanos() / 1e9);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          queues.add(
              new QueueStatus(
                  rs.getString("queue"),
                  rs.getLong("pending"),
                  rs.getLong("scheduled"),
                  rs.getLong("running"),
                  rs.getLong("waiting"),
                  Jdbc.seconds(rs, "oldest_pending"),
                  rs.getLong("completed"),
                  rs.getLong("failed"),
                  rs.getLong("cancelled")));
        }
      }
    }
    return queues;
  }

  private static List<OrchestratorStatus> orchestrators(Connection connection) throws SQLException {
    Map<String, List<OrchestratorStatus.ServedQueue>> served = new LinkedHashMap<>();
    try (var st = connection.createStatement();
        ResultSet rs = st.executeQuery(SERVED)) {
      while (rs.next()) {
        Array tasks = rs.getArray("tasks");
        served
            .computeIfAbsent(Jdbc.uuid(rs, "orchestrator"), k -> new ArrayList<>())
            .add(
                new OrchestratorStatus.ServedQueue(
                    rs.getString("queue"), Arrays.asList((String[]) tasks.getArray())));
      }
    }
    List<OrchestratorStatus> orchestrators = new ArrayList<>();
    try (var st = connection.createStatement();
        ResultSet rs = st.executeQuery(ORCHESTRATORS)) {
      while (rs.next()) {
        String id = Jdbc.uuid(rs, "id");
        orchestrators.add(
            new OrchestratorStatus(
                id,
                rs.getString("host"),
                rs.getLong("pid"),
                Jdbc.instant(rs, "started_at"),
                Jdbc.instant(rs, "last_heartbeat_at"),
                Jdbc.seconds(rs, "heartbeat_age"),
                Jdbc.seconds(rs, "heartbeat_timeout"),
                Jdbc.instant(rs, "live_since"),
                List.copyOf(served.getOrDefault(id, List.of()))));
      }
    }
    return orchestrators;
  }

  /**
   * The executions that finished in each minute of the window, oldest first; minutes in which none
   * finished are left out. Reads the index on {@code finished_at}.
   *
   * @param window how far back to count (for example one hour)
   * @throws SchemaNotInstalledException when the database has no pgconductor schema
   */
  public List<ThroughputPoint> throughput(Duration window) {
    Objects.requireNonNull(window, "window");
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("the window must be positive, got " + window);
    }
    return Jdbc.withConnection(
        dataSource,
        "reading the throughput",
        connection -> {
          List<ThroughputPoint> points = new ArrayList<>();
          try (PreparedStatement ps =
              connection.prepareStatement(
                  """
                  select date_trunc('minute', finished_at) as minute,
                         count(*) filter (where state = 'completed') as completed,
                         count(*) filter (where state = 'failed') as failed,
                         count(*) filter (where state = 'cancelled') as cancelled
                  from pgconductor.finished_executions
                  where finished_at > now() - make_interval(secs => ?)
                  group by 1
                  order by 1
                  """)) {
            ps.setDouble(1, window.toNanos() / 1e9);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                points.add(
                    new ThroughputPoint(
                        Jdbc.instant(rs, "minute"),
                        rs.getLong("completed"),
                        rs.getLong("failed"),
                        rs.getLong("cancelled")));
              }
            }
          }
          return List.copyOf(points);
        });
  }
}
