package dev.pgconductor.dashboard.query;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgconductor.ExecutionState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Lists executions and reads one in full, with plain JDBC on the tables and the view users may
 * query (see the schema documentation).
 *
 * <p>Listing is newest first with keyset pagination on the id (ids are time-ordered UUIDs), so a
 * page costs the same however deep it is. A filter on an unfinished state reads only {@code
 * executions}; one on a finished state reads only {@code finished_executions}.
 *
 * <pre>{@code
 * ExecutionQuery query = new ExecutionQuery(dataSource);
 * ExecutionPage page = query.list(ExecutionFilter.all());
 * while (page.nextCursor() != null) {
 *   page = query.list(ExecutionFilter.all().after(page.nextCursor()));
 * }
 * }</pre>
 */
public final class ExecutionQuery {
  private static final String COLUMNS =
      "id, task_key, queue, state, attempts, priority, dedupe_key, parent_id, origin::text as"
          + " origin, origin_name, created_at, run_at, started_at, finished_at, last_error";

  private static final String FINISHED_COLUMNS =
      "id, task_key, queue, state, attempts, priority, dedupe_key, parent_id, origin::text as"
          + " origin, origin_name, created_at, null::timestamptz as run_at, started_at,"
          + " finished_at, last_error";

  private final DataSource dataSource;

  /** Queries through this data source (one connection per call). */
  public ExecutionQuery(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * One page of the executions that match the filter, newest first.
   *
   * @throws SchemaNotInstalledException when the database has no pgconductor schema
   * @throws QueryException when the database cannot be reached or the query fails
   */
  public ExecutionPage list(ExecutionFilter filter) {
    Objects.requireNonNull(filter, "filter");
    StringBuilder sql = new StringBuilder("select ");
    List<Object> args = new ArrayList<>();
    List<String> where = new ArrayList<>();
    if (filter.state() != null && filter.state().isFinished()) {
      sql.append(FINISHED_COLUMNS).append(" from pgconductor.finished_executions");
    } else {
      sql.append(COLUMNS).append(" from pgconductor.all_executions");
    }
    if (filter.state() != null) {
      // a literal (from the enum), not a parameter: the plan is made for it, so a filter on an
      // unfinished state leaves finished_executions out even in a generic plan
      where.add("state = '" + filter.state().name().toLowerCase(Locale.ROOT) + "'");
    }
    if (filter.task() != null) {
      where.add("task_key = ?");
      args.add(filter.task());
    }
    if (filter.queue() != null) {
      where.add("queue = ?");
      args.add(filter.queue());
    }
    if (filter.dedupeKey() != null) {
      where.add("dedupe_key = ?");
      args.add(filter.dedupeKey());
    }
    if (filter.since() != null) {
      where.add("created_at >= ?");
      args.add(filter.since().atOffset(ZoneOffset.UTC));
    }
    if (filter.until() != null) {
      where.add("created_at < ?");
      args.add(filter.until().atOffset(ZoneOffset.UTC));
    }
    if (filter.after() != null) {
      where.add("id < ?");
      args.add(Jdbc.executionId(filter.after()));
    }
    if (!where.isEmpty()) {
      sql.append(" where ").append(String.join(" and ", where));
    }
    sql.append(" order by id desc limit ?");
    args.add(filter.limit() + 1);
    return Jdbc.withConnection(
        dataSource,
        "listing executions",
        connection -> {
          List<ExecutionSummary> rows = new ArrayList<>();
          try (PreparedStatement ps = connection.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
              ps.setObject(i + 1, args.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                rows.add(summary(rs));
              }
            }
          }
          if (rows.size() > filter.limit()) {
            List<ExecutionSummary> page = List.copyOf(rows.subList(0, filter.limit()));
            return new ExecutionPage(page, page.getLast().id());
          }
          return new ExecutionPage(List.copyOf(rows), null);
        });
  }

  /**
   * Unfinished executions whose last attempt failed and that will be tried again (or are waiting
   * for their next attempt), newest first: the failures that may still heal.
   *
   * @param limit at most this many (1 to 1000)
   * @throws SchemaNotInstalledException when the database has no pgconductor schema
   */
  public List<ExecutionSummary> retrying(int limit) {
    if (limit < 1 || limit > 1000) {
      throw new IllegalArgumentException("the limit must be between 1 and 1000, got " + limit);
    }
    return Jdbc.withConnection(
        dataSource,
        "listing retrying executions",
        connection -> {
          List<ExecutionSummary> rows = new ArrayList<>();
          try (PreparedStatement ps =
              connection.prepareStatement(
                  "select "
                      + COLUMNS
                      + " from pgconductor.all_executions where state in ('pending', 'running',"
                      + " 'waiting') and last_error is not null order by id desc limit ?")) {
            ps.setInt(1, limit);
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                rows.add(summary(rs));
              }
            }
          }
          return List.copyOf(rows);
        });
  }

  /**
   * The execution with this id, with its payload, result, steps, parent and children; empty when
   * there is none.
   *
   * @throws IllegalArgumentException when the id is not an execution id (a UUID)
   * @throws SchemaNotInstalledException when the database has no pgconductor schema
   * @throws QueryException when the database cannot be reached or the query fails
   */
  public Optional<ExecutionDetail> find(String id) {
    UUID uuid = Jdbc.executionId(id);
    return Jdbc.withConnection(
        dataSource,
        "reading execution " + id,
        connection -> {
          connection.setAutoCommit(false);
          try (var st = connection.createStatement()) {
            st.execute("set transaction isolation level repeatable read, read only");
          }
          try {
            return find(connection, uuid);
          } finally {
            connection.rollback();
          }
        });
  }

  /**
   * The state of one execution, or empty when there is none: a cheap lookup to explain why an
   * action did nothing.
   *
   * @throws IllegalArgumentException when the id is not an execution id (a UUID)
   */
  public Optional<ExecutionState> state(String id) {
    UUID uuid = Jdbc.executionId(id);
    return Jdbc.withConnection(
        dataSource,
        "reading execution " + id,
        connection -> {
          try (PreparedStatement ps =
              connection.prepareStatement(
                  "select state from pgconductor.all_executions where id = ?")) {
            ps.setObject(1, uuid);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(parseState(rs.getString("state"))) : Optional.empty();
            }
          }
        });
  }

  private static Optional<ExecutionDetail> find(Connection connection, UUID id)
      throws SQLException {
    ExecutionSummary execution;
    JsonNode payload;
    JsonNode result;
    String stack;
    try (PreparedStatement ps =
        connection.prepareStatement(
            "select "
                + COLUMNS
                + ", payload, result, last_error_stack from pgconductor.all_executions"
                + " where id = ?")) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        execution = summary(rs);
        payload = Jdbc.json(rs, "payload");
        result = Jdbc.json(rs, "result");
        stack = rs.getString("last_error_stack");
      }
    }
    List<FailedAttempt> failures = new ArrayList<>();
    try (PreparedStatement ps =
        connection.prepareStatement(
            "select attempt, error, error_stack, failed_at from pgconductor.failed_attempts"
                + " where execution_id = ? order by failed_at")) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          failures.add(
              new FailedAttempt(
                  rs.getInt("attempt"),
                  rs.getString("error"),
                  rs.getString("error_stack"),
                  Jdbc.instant(rs, "failed_at")));
        }
      }
    }
    List<StepRecord> steps = new ArrayList<>();
    try (PreparedStatement ps =
        connection.prepareStatement(
            """
            select s.name, s.done, s.result, s.error, s.child_id, c.state as child_state,
                   s.deadline, s.created_at
            from pgconductor.steps s
            left join pgconductor.all_executions c on c.id = s.child_id
            where s.execution_id = ?
            order by s.created_at, s.name
            """)) {
      ps.setObject(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String childState = rs.getString("child_state");
          steps.add(
              new StepRecord(
                  rs.getString("name"),
                  rs.getBoolean("done"),
                  Jdbc.json(rs, "result"),
                  rs.getString("error"),
                  Jdbc.uuid(rs, "child_id"),
                  childState == null ? null : parseState(childState),
                  Jdbc.instant(rs, "deadline"),
                  Jdbc.instant(rs, "created_at")));
        }
      }
    }
    ExecutionSummary parent = null;
    if (execution.parentId() != null) {
      parent =
          summaries(connection, "id = ?", UUID.fromString(execution.parentId())).stream()
              .findFirst()
              .orElse(null);
    }
    List<ExecutionSummary> children = summaries(connection, "parent_id = ?", id).reversed();
    return Optional.of(
        new ExecutionDetail(
            execution,
            payload,
            result,
            stack,
            List.copyOf(failures),
            List.copyOf(steps),
            parent,
            List.copyOf(children)));
  }

  private static List<ExecutionSummary> summaries(Connection connection, String where, UUID arg)
      throws SQLException {
    List<ExecutionSummary> rows = new ArrayList<>();
    try (PreparedStatement ps =
        connection.prepareStatement(
            "select "
                + COLUMNS
                + " from pgconductor.all_executions where "
                + where
                + " order by id desc")) {
      ps.setObject(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(summary(rs));
        }
      }
    }
    return rows;
  }

  private static ExecutionSummary summary(ResultSet rs) throws SQLException {
    return new ExecutionSummary(
        Jdbc.uuid(rs, "id"),
        rs.getString("task_key"),
        rs.getString("queue"),
        parseState(rs.getString("state")),
        rs.getInt("attempts"),
        rs.getInt("priority"),
        rs.getString("dedupe_key"),
        Jdbc.uuid(rs, "parent_id"),
        rs.getString("origin"),
        rs.getString("origin_name"),
        Jdbc.instant(rs, "created_at"),
        Jdbc.instant(rs, "run_at"),
        Jdbc.instant(rs, "started_at"),
        Jdbc.instant(rs, "finished_at"),
        rs.getString("last_error"));
  }

  private static ExecutionState parseState(String state) {
    return ExecutionState.valueOf(state.toUpperCase(Locale.ROOT));
  }
}
