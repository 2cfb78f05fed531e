package dev.pgconductor.internal.db;

import dev.pgconductor.ExecutionState;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
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
  private static final String CLAIM = "select * from pgconductor.claim(?, ?, ?, ?, ?::timestamptz)";
  private static final String FLUSH =
      "select written, unnotified from pgconductor.flush(?, ?, ?, ?, ?, ?, ?, ?, ?,"
          + " ?::timestamptz[], ?, ?, ?, ?, ?, ?, ?, ?::timestamptz)";
  private static final String NOTIFY_READY = "select pgconductor.notify_ready(?)";
  private static final String RECORD_STEPS = "select pgconductor.record_steps(?, ?, ?, ?, ?, ?)";
  private static final String CANCEL = "select pgconductor.cancel(?, ?, ?::timestamptz)";
  private static final String CANCEL_REQUESTS =
      "select id, reason from pgconductor.cancel_requests(?)";
  private static final String LOCK_HELD =
      """
      select 1 from pgconductor.executions
      where queue = ? and id = ? and locked_by = ? and lease = ? for update""";
  private static final String INSERT_STEP =
      """
      insert into pgconductor.steps (execution_id, name, result) values (?, ?, ?::jsonb)
      on conflict (execution_id, name) do nothing""";
  private static final String GET =
      """
      select id, task_key, queue,
             case when locked_by is not null then 'RUNNING'
                  when wait_kind in ('sleep', 'child') then 'WAITING'
                  else 'PENDING' end as state,
             attempts, priority, dedupe_key, parent_id, last_error, last_error_stack,
             created_at, case when run_at = 'infinity' then null else run_at end as run_at,
             locked_at as started_at, null::timestamptz as finished_at,
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
            ps.setObject(3, new UuidArray(ids));
            ps.setArray(4, c.createArrayOf("text", payloads));
            ps.setArray(5, c.createArrayOf("text", dedupeKeys));
            ps.setArray(6, c.createArrayOf("int4", priorities));
            ps.setArray(7, c.createArrayOf("text", runAts));
            ps.setObject(8, parent);
            ps.setString(9, db.nowParam());
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              Array array = rs.getArray(1);
              if (array == null) {
                return Arrays.asList(ids); // no dedupe keys: stored with the ids given
              }
              List<UUID> result = new ArrayList<>(ids.length);
              for (Object id : (Object[]) array.getArray()) {
                result.add((UUID) id);
              }
              return result;
            }
          }
        });
  }

  /** Claims up to {@code limit} ready executions of the given tasks on one queue. */
  public List<Claimed> claim(UUID orchestrator, String queue, String[] tasks, int limit)
      throws SQLException {
    try (Connection c = db.connection();
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
                  Db.instant(rs.getTimestamp("created_at")),
                  rs.getString("steps"),
                  Db.instant(rs.getTimestamp("claimed_at")),
                  rs.getString("cancel_reason"),
                  System.nanoTime()));
        }
      }
      return claimed;
    }
  }

  /**
   * What a flush did: how many of its rows the caller still held, and the queues where it made work
   * ready but found no worker listed idle when it checked (pass them to {@link #notifyReady} once
   * it has committed).
   */
  public record Flushed(int written, List<String> unnotifiedQueues) {}

  /** Writes a batch of outcomes of one queue in one transaction. */
  public Flushed flush(UUID orchestrator, String queue, List<Outcome> outcomes)
      throws SQLException {
    int n = outcomes.size();
    UUID[] ids = new UUID[n];
    Integer[] leases = new Integer[n];
    String[] kinds = new String[n];
    String[] results = new String[n];
    String[] errors = new String[n];
    String[] stacks = new String[n];
    Integer[] maxAttempts = new Integer[n];
    String[] runAts = new String[n];
    String[] steps = new String[n];
    UUID[] childIds = new UUID[n];
    String[] childTasks = new String[n];
    String[] childQueues = new String[n];
    String[] childPayloads = new String[n];
    Integer[] attempts = new Integer[n];
    Boolean[] hasSteps = new Boolean[n];
    for (int i = 0; i < n; i++) {
      Outcome o = outcomes.get(i);
      ids[i] = o.id();
      leases[i] = o.lease();
      kinds[i] = o.kind().code;
      results[i] = o.resultJson();
      errors[i] = o.error();
      stacks[i] = o.stack();
      maxAttempts[i] = o.maxAttempts();
      runAts[i] = o.runAt() == null ? null : o.runAt().toString();
      steps[i] = o.step();
      attempts[i] = o.attempt();
      hasSteps[i] = o.hasSteps();
      if (o.child() != null) {
        childIds[i] = o.child().id();
        childTasks[i] = o.child().task();
        childQueues[i] = o.child().queue();
        childPayloads[i] = o.child().payloadJson();
      }
    }
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(FLUSH)) {
      ps.setObject(1, orchestrator);
      ps.setString(2, queue);
      ps.setObject(3, new UuidArray(ids));
      ps.setArray(4, c.createArrayOf("int4", leases));
      ps.setArray(5, c.createArrayOf("text", kinds));
      ps.setArray(6, c.createArrayOf("text", results));
      ps.setArray(7, c.createArrayOf("text", errors));
      ps.setArray(8, c.createArrayOf("text", stacks));
      ps.setArray(9, c.createArrayOf("int4", maxAttempts));
      ps.setArray(10, c.createArrayOf("text", runAts));
      ps.setArray(11, c.createArrayOf("text", steps));
      ps.setObject(12, new UuidArray(childIds));
      ps.setArray(13, c.createArrayOf("text", childTasks));
      ps.setArray(14, c.createArrayOf("text", childQueues));
      ps.setArray(15, c.createArrayOf("text", childPayloads));
      ps.setArray(16, c.createArrayOf("int4", attempts));
      ps.setArray(17, c.createArrayOf("bool", hasSteps));
      ps.setString(18, db.nowParam());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new Flushed(rs.getInt(1), Arrays.asList((String[]) rs.getArray(2).getArray()));
      }
    }
  }

  /**
   * Wakes the idle workers of the given queues (a NOTIFY per queue that has one), after the
   * transaction that made work ready there committed: a worker that listed itself idle after that
   * transaction's own check, and claimed before its commit, would otherwise sleep until its next
   * poll.
   */
  public void notifyReady(Collection<String> queues) throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(NOTIFY_READY)) {
      ps.setArray(1, c.createArrayOf("text", queues.toArray()));
      ps.execute();
    }
  }

  /** A step result to record for a held execution, which runs on {@code queue}. */
  public record StepRecord(UUID id, String queue, int lease, String name, String resultJson) {}

  /**
   * Records many steps in one statement; returns, in order, whether each lease was still held (the
   * function answers with the positions of those that were not, usually none).
   */
  public boolean[] recordSteps(UUID orchestrator, List<StepRecord> records) throws SQLException {
    int n = records.size();
    String[] queues = new String[n];
    UUID[] ids = new UUID[n];
    Integer[] leases = new Integer[n];
    String[] names = new String[n];
    String[] results = new String[n];
    for (int i = 0; i < n; i++) {
      StepRecord r = records.get(i);
      queues[i] = r.queue();
      ids[i] = r.id();
      leases[i] = r.lease();
      names[i] = r.name();
      results[i] = r.resultJson();
    }
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(RECORD_STEPS)) {
      ps.setObject(1, orchestrator);
      ps.setArray(2, c.createArrayOf("text", queues));
      ps.setObject(3, new UuidArray(ids));
      ps.setArray(4, c.createArrayOf("int4", leases));
      ps.setArray(5, c.createArrayOf("text", names));
      ps.setArray(6, c.createArrayOf("text", results));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        Integer[] lost = (Integer[]) rs.getArray(1).getArray();
        boolean[] result = new boolean[n];
        Arrays.fill(result, true);
        for (Integer position : lost) {
          result[position - 1] = false;
        }
        return result;
      }
    }
  }

  /**
   * Runs {@code body} in a transaction that first locks the execution if this caller still holds
   * its lease, then records the step. Returns false (nothing run) when the lease is lost.
   */
  public boolean inHeldTransaction(
      UUID orchestrator, String queue, UUID id, int lease, String step, TransactionBody body)
      throws Exception {
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement lock = c.prepareStatement(LOCK_HELD)) {
          lock.setString(1, queue);
          lock.setObject(2, id);
          lock.setObject(3, orchestrator);
          lock.setInt(4, lease);
          try (ResultSet rs = lock.executeQuery()) {
            if (!rs.next()) {
              c.rollback();
              return false;
            }
          }
        }
        String resultJson = body.run(c);
        try (PreparedStatement insert = c.prepareStatement(INSERT_STEP)) {
          insert.setObject(1, id);
          insert.setString(2, step);
          insert.setString(3, resultJson);
          insert.executeUpdate();
        }
        c.commit();
        return true;
      } catch (Throwable e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }

  /** Work inside a transactional step; returns the step result as JSON. */
  @FunctionalInterface
  public interface TransactionBody {
    String run(Connection connection) throws Exception;
  }

  /** Cancels an execution and its unfinished descendants; false when unknown or finished. */
  public boolean cancel(UUID id, String reason) {
    return db.call(
        "cancel execution " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(CANCEL)) {
            ps.setObject(1, id);
            ps.setString(2, reason);
            ps.setString(3, db.nowParam());
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getBoolean(1);
            }
          }
        });
  }

  /** Running executions of this orchestrator whose cancellation was requested, with reasons. */
  public java.util.Map<UUID, String> cancelRequests(UUID orchestrator) throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(CANCEL_REQUESTS)) {
      ps.setObject(1, orchestrator);
      java.util.Map<UUID, String> result = new java.util.HashMap<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          result.put(rs.getObject(1, UUID.class), rs.getString(2));
        }
      }
      return result;
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
