package dev.pgconductor.internal.db;

import dev.pgconductor.ExecutionState;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Every SQL call about executions. Each method is one round trip, whatever the batch size; the
 * state changes themselves are the set-based functions of migration V001.
 */
public final class ExecutionStore {
  private static final String INVOKE =
      "select pgconductor.invoke(?, ?, ?, ?, ?, ?, ?::timestamptz[], ?, ?::timestamptz)";
  private static final String CLAIM =
      "select * from pgconductor.claim(?, ?, ?, ?, ?::timestamptz)";
  private static final String FLUSH =
      "select pgconductor.flush(?, ?, ?, ?, ?, ?, ?, ?, ?, ?::timestamptz)";
  private static final String GET =
      """
      select id, task_key, queue,
             case when locked_by is not null then 'RUNNING'
                  when run_at = 'infinity' then 'WAITING'
                  else 'PENDING' end as state,
             attempts, priority, dedupe_key, parent_id, last_error, last_error_stack,
             created_at, run_at, locked_at as started_at, null::timestamptz as finished_at,
             null::text as result
      from pgconductor.executions where id = ?
      union all
      select id, task_key, queue, upper(state), attempts, priority, dedupe_key, parent_id,
             last_error, last_error_stack, created_at, null, started_at, finished_at, result::text
      from pgconductor.finished_executions where id = ?
      """;

  private final Db db;

  public ExecutionStore(Db db) {
    this.db = db;
  }

  /** Stores executions of one task; returns their ids in input order (see pgconductor.invoke). */
  public List<UUID> invoke(
      String task,
      String queue,
      UUID[] ids,
      String[] payloads,
      String[] dedupeKeys,
      Integer[] priorities,
      String[] runAts,
      UUID parent) {
    return db.call(
        "invoke task '" + task + "'",
        c -> {
          try (PreparedStatement ps = c.prepareStatement(INVOKE)) {
            ps.setString(1, task);
            ps.setString(2, queue);
            ps.setArray(3, c.createArrayOf("uuid", ids));
            ps.setArray(4, c.createArrayOf("text", payloads));
            ps.setArray(5, c.createArrayOf("text", dedupeKeys));
            ps.setArray(6, c.createArrayOf("int4", priorities));
            ps.setArray(7, c.createArrayOf("text", runAts));
            ps.setObject(8, parent);
            ps.setString(9, db.nowParam());
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              Array array = rs.getArray(1);
              List<UUID> result = new ArrayList<>(ids.length);
              for (Object id : (Object[]) array.getArray()) {
                result.add((UUID) id);
              }
              if (!c.getAutoCommit()) {
                // an application pool set to autoCommit=false would roll the invoke back when
                // the connection goes back to it
                c.commit();
              }
              return result;
            }
          }
        });
  }

  /** Claims up to {@code limit} ready executions of the given tasks on one queue. */
  public List<Claimed> claim(UUID orchestrator, String queue, String[] tasks, int limit)
      throws SQLException {
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(CLAIM)) {
      ps.setObject(1, orchestrator);
      ps.setString(2, queue);
      ps.setArray(3, c.createArrayOf("text", tasks));
      ps.setInt(4, limit);
      ps.setString(5, db.nowParam());
      List<Claimed> claimed = new ArrayList<>(limit);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          claimed.add(
              new Claimed(
                  rs.getObject("id", UUID.class),
                  rs.getString("task_key"),
                  rs.getString("payload"),
                  rs.getInt("attempts"),
                  rs.getInt("lease"),
                  rs.getObject("parent_id", UUID.class),
                  Db.instant(rs.getTimestamp("created_at"))));
        }
      }
      return claimed;
    }
  }

  /** Writes a batch of outcomes of one queue; returns how many rows the caller still held. */
  public int flush(UUID orchestrator, String queue, List<Outcome> outcomes) throws SQLException {
    int n = outcomes.size();
    UUID[] ids = new UUID[n];
    Integer[] leases = new Integer[n];
    String[] kinds = new String[n];
    String[] results = new String[n];
    String[] errors = new String[n];
    String[] stacks = new String[n];
    Integer[] maxAttempts = new Integer[n];
    for (int i = 0; i < n; i++) {
      Outcome o = outcomes.get(i);
      ids[i] = o.id();
      leases[i] = o.lease();
      kinds[i] = o.kind().code;
      results[i] = o.resultJson();
      errors[i] = o.error();
      stacks[i] = o.stack();
      maxAttempts[i] = o.maxAttempts();
    }
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(FLUSH)) {
      ps.setObject(1, orchestrator);
      ps.setString(2, queue);
      ps.setArray(3, c.createArrayOf("uuid", ids));
      ps.setArray(4, c.createArrayOf("int4", leases));
      ps.setArray(5, c.createArrayOf("text", kinds));
      ps.setArray(6, c.createArrayOf("text", results));
      ps.setArray(7, c.createArrayOf("text", errors));
      ps.setArray(8, c.createArrayOf("text", stacks));
      ps.setArray(9, c.createArrayOf("int4", maxAttempts));
      ps.setString(10, db.nowParam());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** One execution, pending, running or finished. */
  public Optional<Row> find(UUID id) {
    return db.call(
        "read execution " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(GET)) {
            ps.setObject(1, id);
            ps.setObject(2, id);
            try (ResultSet rs = ps.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
              return Optional.of(
                  new Row(
                      rs.getObject("id", UUID.class),
                      rs.getString("task_key"),
                      rs.getString("queue"),
                      ExecutionState.valueOf(rs.getString("state")),
                      rs.getInt("attempts"),
                      rs.getInt("priority"),
                      rs.getString("dedupe_key"),
                      rs.getObject("parent_id", UUID.class),
                      rs.getString("last_error"),
                      rs.getString("last_error_stack"),
                      Db.instant(rs.getTimestamp("created_at")),
                      Db.instant(rs.getTimestamp("run_at")),
                      Db.instant(rs.getTimestamp("started_at")),
                      Db.instant(rs.getTimestamp("finished_at")),
                      rs.getString("result")));
            }
          }
        });
  }

  /** An execution as stored, result still JSON. */
  public record Row(
      UUID id,
      String taskName,
      String queue,
      ExecutionState state,
      int attempts,
      int priority,
      String dedupeKey,
      UUID parentId,
      String lastError,
      String lastErrorStack,
      java.time.Instant createdAt,
      java.time.Instant runAt,
      java.time.Instant startedAt,
      java.time.Instant finishedAt,
      String resultJson) {}
}
