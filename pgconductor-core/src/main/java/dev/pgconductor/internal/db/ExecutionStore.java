package dev.pgconductor.internal.db;

import dev.pgconductor.ExecutionState;
import dev.pgconductor.PgConductorException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Every SQL call about executions. Each method is one round trip, whatever the batch size; the
 * state changes themselves are the set-based functions of the schema (migrations/V001).
 */
public final class ExecutionStore {
  // the ninth parameter: in the caller's own transaction (every worker of the queue is notified at
  // its commit); the tenth: the trace contexts, null without a tracer
  private static final String INVOKE =
      "select pgconductor.invoke(?, ?, ?, ?, ?, ?, ?::timestamptz[], ?::timestamptz, ?, ?)";
  private static final String CLAIM = "select * from pgconductor.claim(?, ?, ?, ?, ?::timestamptz)";
  private static final String CLAIM_BATCH =
      "select * from pgconductor.claim(?, ?, ?, ?, ?::timestamptz, true)";
  private static final String FLUSH =
      "select written, unnotified from pgconductor.flush(?, ?, ?, ?::pgconductor.outcome_batch,"
          + " ?::timestamptz)";
  private static final String NOTIFY_READY = "select pgconductor.notify_ready(?)";
  private static final String RECORD_STEPS = "select pgconductor.record_steps(?, ?, ?, ?, ?, ?)";
  private static final String CANCEL =
      "select id, task_key, queue, running from pgconductor.cancel(?, ?, ?::timestamptz)";
  private static final String RETRY = "select task_key from pgconductor.retry(?, ?::timestamptz)";
  private static final String CANCEL_REQUESTS =
      "select id, reason from pgconductor.cancel_requests(?)";
  // Locks the execution while this caller holds its lease, and says whether the step is recorded
  // already (an earlier try committed although its answer was lost). Postgres ends the
  // transaction if it sits idle longer than the given timeout, so a frozen worker cannot hold
  // the lock for ever.
  private static final String LOCK_HELD =
      """
      select set_config('idle_in_transaction_session_timeout', ?, true), s.result::text,
             s.name is not null
      from pgconductor.executions e
      left join pgconductor.steps s on s.execution_id = e.id and s.name = ?
      where e.queue = ? and e.id = ? and e.locked_by = ? and e.lease = ?
      for update of e""";
  private static final String INSERT_STEP =
      """
      insert into pgconductor.steps (execution_id, name, result) values (?, ?, ?::jsonb)
      on conflict (execution_id, name) do nothing""";
  private static final String COLUMNS =
      """
      select id, task_key, queue, upper(state) as state, attempts, priority, dedupe_key,
             parent_id, origin, origin_name, payload::text as payload, result::text as result,
             last_error, last_error_stack, created_at, run_at, started_at, finished_at
      from pgconductor.all_executions
      """;
  private static final String GET = COLUMNS + "where id = ?";
  private static final String CHILDREN = COLUMNS + "where parent_id = ? order by created_at, id";

  private final Db db;

  public ExecutionStore(Db db) {
    this.db = db;
  }

  /**
   * One execution to store: its id, its payload (valid JSON), its options, and the trace context to
   * store with it (a JSON object of headers; null without a tracer).
   */
  public record NewExecution(
      UUID id,
      String payloadJson,
      String dedupeKey,
      int priority,
      Instant runAt,
      String traceContext) {}

  /**
   * Stores executions of one task in one call; returns their ids in input order (an existing id
   * where a dedupe key matched a pending execution).
   */
  public List<UUID> invoke(String task, String queue, List<NewExecution> rows) {
    return db.call("invoke task '" + task + "'", c -> invoke(c, false, task, queue, rows));
  }

  /**
   * Stores executions of one task on the caller's connection, in whatever transaction it is in (the
   * caller commits or rolls back); returns their ids as {@link #invoke(String, String, List)}.
   */
  public List<UUID> invokeInCallersTransaction(
      Connection c, String task, String queue, List<NewExecution> rows) throws SQLException {
    return invoke(c, true, task, queue, rows);
  }

  /**
   * Stores one throttled or debounced execution (pgconductor.invoke_throttled, invoke_debounced):
   * returns its id, the id of the slot's execution (debounce), or null when the slot already has
   * one (throttle). On {@code c} when given, the caller's transaction; else on a pooled connection.
   */
  public UUID invokeInSlot(
      Connection c,
      String task,
      String queue,
      NewExecution row,
      java.time.Duration throttle,
      java.time.Duration debounce)
      throws SQLException {
    if (c == null) {
      try (Connection own = db.connection()) {
        return invokeInSlot(own, false, task, queue, row, throttle, debounce);
      }
    }
    return invokeInSlot(c, true, task, queue, row, throttle, debounce);
  }

  private UUID invokeInSlot(
      Connection c,
      boolean callers,
      String task,
      String queue,
      NewExecution row,
      java.time.Duration throttle,
      java.time.Duration debounce)
      throws SQLException {
    String sql =
        throttle != null
            ? "select pgconductor.invoke_throttled(?, ?, ?, ?, ?, ?, ?::timestamptz, ?,"
                + " ?::timestamptz, ?, ?)"
            : "select pgconductor.invoke_debounced(?, ?, ?, ?, ?, ?, ?, ?::timestamptz, ?, ?)";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int i = 1;
      ps.setString(i++, task);
      ps.setString(i++, queue);
      ps.setObject(i++, row.id());
      ps.setString(i++, row.payloadJson());
      ps.setString(i++, row.dedupeKey());
      ps.setInt(i++, row.priority());
      if (throttle != null) {
        ps.setString(i++, row.runAt() == null ? null : row.runAt().toString());
      }
      ps.setDouble(i++, (throttle != null ? throttle : debounce).toMillis() / 1000.0);
      ps.setString(i++, db.nowParam());
      ps.setBoolean(i++, callers);
      ps.setString(i, row.traceContext());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getObject(1, UUID.class);
      }
    }
  }

  private List<UUID> invoke(
      Connection c, boolean callers, String task, String queue, List<NewExecution> rows)
      throws SQLException {
    int n = rows.size();
    UUID[] ids = new UUID[n];
    String[] payloads = new String[n];
    String[] keys = new String[n];
    Integer[] priorities = new Integer[n];
    String[] runAts = new String[n];
    String[] traceContexts = null; // only when a tracer gave one
    for (int i = 0; i < n; i++) {
      NewExecution row = rows.get(i);
      ids[i] = row.id();
      payloads[i] = row.payloadJson();
      keys[i] = row.dedupeKey();
      priorities[i] = row.priority();
      runAts[i] = row.runAt() == null ? null : row.runAt().toString();
      if (row.traceContext() != null) {
        if (traceContexts == null) {
          traceContexts = new String[n];
        }
        traceContexts[i] = row.traceContext();
      }
    }
    try (PreparedStatement ps = c.prepareStatement(INVOKE)) {
      ps.setString(1, task);
      ps.setString(2, queue);
      ps.setObject(3, new UuidArray(ids));
      ps.setArray(4, c.createArrayOf("text", payloads));
      ps.setArray(5, c.createArrayOf("text", keys));
      ps.setArray(6, c.createArrayOf("int4", priorities));
      ps.setArray(7, c.createArrayOf("text", runAts));
      ps.setString(8, db.nowParam());
      ps.setBoolean(9, callers);
      if (traceContexts == null) {
        ps.setNull(10, java.sql.Types.ARRAY);
      } else {
        ps.setArray(10, c.createArrayOf("text", traceContexts));
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        Array array = rs.getArray(1);
        if (array == null) {
          return Arrays.asList(ids); // no dedupe keys: stored with the ids given
        }
        List<UUID> result = new ArrayList<>(n);
        for (Object id : (Object[]) array.getArray()) {
          result.add((UUID) id);
        }
        return result;
      }
    }
  }

  /** Claims up to {@code limit} ready executions of the given tasks on one queue. */
  public List<Claimed> claim(UUID orchestrator, String queue, String[] tasks, int limit)
      throws SQLException {
    return claim(CLAIM, orchestrator, queue, tasks, limit);
  }

  /** Claims up to {@code limit} ready executions of one batch task (see pgconductor.claim). */
  public List<Claimed> claimBatch(UUID orchestrator, String queue, String task, int limit)
      throws SQLException {
    return claim(CLAIM_BATCH, orchestrator, queue, new String[] {task}, limit);
  }

  private List<Claimed> claim(
      String sql, UUID orchestrator, String queue, String[] tasks, int limit) throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, orchestrator);
      ps.setString(2, queue);
      ps.setArray(3, c.createArrayOf("text", tasks));
      ps.setInt(4, limit);
      ps.setString(5, db.nowParam());
      List<Claimed> claimed = new ArrayList<>(limit);
      // before the statement is sent: an answer held up on the network must not look like a claim
      // made after a re-registration that happened meanwhile
      long requested = System.nanoTime();
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
                  rs.getString("origin"),
                  rs.getString("origin_name"),
                  Db.instant(rs.getTimestamp("created_at")),
                  rs.getLong("queue_wait_ms"),
                  rs.getString("steps"),
                  Db.instant(rs.getTimestamp("claimed_at")),
                  rs.getString("cancel_reason"),
                  requested,
                  System.nanoTime(),
                  rs.getString("schedule_cron") == null
                      ? null
                      : new Claimed.Occurrence(
                          rs.getString("schedule_cron"),
                          rs.getString("schedule_zone"),
                          Db.instant(rs.getTimestamp("scheduled_for"))),
                  rs.getString("trace_context")));
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
  public record Flushed(int written, List<String> unnotifiedQueues, List<Instant> dueLater) {}

  /** Writes a batch of outcomes of one queue in one transaction. */
  public Flushed flush(UUID orchestrator, String queue, List<Outcome> outcomes)
      throws SQLException {
    OutcomeBatch batch = new OutcomeBatch(outcomes, db.now());
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(FLUSH)) {
      ps.setObject(1, orchestrator);
      ps.setString(2, queue);
      ps.setObject(3, new UuidArray(batch.ids()));
      ps.setString(4, batch.literal());
      ps.setString(5, db.nowParam());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new Flushed(
            rs.getInt(1), Arrays.asList((String[]) rs.getArray(2).getArray()), batch.dueLater());
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
   * What a transactional step's transaction found: {@code held} false when the lease was lost
   * (nothing ran); {@code recordedJson} the result when the step was recorded already (nothing
   * ran).
   */
  public record HeldStep(boolean held, String recordedJson) {
    static final HeldStep LOST = new HeldStep(false, null);
    static final HeldStep COMMITTED = new HeldStep(true, null);
  }

  /**
   * Runs {@code body} in a transaction that first locks the execution if this caller still holds
   * its lease and the step is not recorded yet, then records the step. Errors of the body come out
   * as they are; errors of the engine's own statements say which step and what failed.
   */
  public HeldStep inHeldTransaction(
      UUID orchestrator,
      String queue,
      UUID id,
      int lease,
      String step,
      Duration idleTimeout,
      TransactionBody body)
      throws Exception {
    String what = "transactional step '" + step + "' of execution " + id;
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement lock = c.prepareStatement(LOCK_HELD)) {
          lock.setString(1, Long.toString(Math.max(1, idleTimeout.toMillis())));
          lock.setString(2, step);
          lock.setString(3, queue);
          lock.setObject(4, id);
          lock.setObject(5, orchestrator);
          lock.setInt(6, lease);
          try (ResultSet rs = lock.executeQuery()) {
            if (!rs.next()) {
              c.rollback();
              return HeldStep.LOST;
            }
            if (rs.getBoolean(3)) {
              c.rollback();
              return new HeldStep(true, rs.getString(2));
            }
          }
        } catch (SQLException e) {
          throw new PgConductorException("Could not begin " + what + ": " + e.getMessage(), e);
        }
        String resultJson = body.run(c);
        try {
          try (PreparedStatement insert = c.prepareStatement(INSERT_STEP)) {
            insert.setObject(1, id);
            insert.setString(2, step);
            insert.setString(3, resultJson);
            insert.executeUpdate();
          }
          c.commit();
        } catch (SQLException e) {
          throw new PgConductorException("Could not commit " + what + ": " + e.getMessage(), e);
        }
        return HeldStep.COMMITTED;
      } catch (Throwable e) {
        try {
          c.rollback();
        } catch (SQLException suppressed) {
          e.addSuppressed(suppressed); // a lost connection: Postgres rolled back already
        }
        throw e;
      } finally {
        try {
          c.setAutoCommit(true);
        } catch (SQLException lost) {
          // the connection is gone; the pool discards it
        }
      }
    }
  }

  /** Work inside a transactional step; returns the step result as JSON. */
  @FunctionalInterface
  public interface TransactionBody {
    String run(Connection connection) throws Exception;
  }

  /** An execution a cancel reached, and whether it was running (it stops at its next step). */
  public record CancelledExecution(UUID id, String taskName, String queue, boolean running) {}

  /**
   * Cancels an execution and its unfinished descendants; returns those it reached, none when the
   * execution is unknown or finished.
   */
  public List<CancelledExecution> cancel(UUID id, String reason) {
    // It locks the execution's tree parent first, while a flush finishing a child locks the child
    // and then wakes the parent: the two can deadlock, and Postgres may end the cancel.
    for (int attempt = 1; ; attempt++) {
      try {
        return cancelOnce(id, reason);
      } catch (PgConductorException e) {
        if (!SqlErrors.isDeadlock(e) || attempt == 5) {
          throw e;
        }
      }
    }
  }

  private List<CancelledExecution> cancelOnce(UUID id, String reason) {
    return db.call(
        "cancel execution " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(CANCEL)) {
            ps.setObject(1, id);
            ps.setString(2, reason);
            ps.setString(3, db.nowParam());
            List<CancelledExecution> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                result.add(
                    new CancelledExecution(
                        rs.getObject(1, UUID.class),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getBoolean(4)));
              }
            }
            return result;
          }
        });
  }

  /**
   * Puts a failed or cancelled execution back in its queue, due now, attempts counted from zero;
   * false when there is no such execution in one of those states.
   */
  public boolean retry(UUID id) {
    return db.call(
        "retry execution " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(RETRY)) {
            ps.setObject(1, id);
            ps.setString(2, db.nowParam());
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next();
            }
          }
        });
  }

  /** Running executions of this orchestrator whose cancellation was requested, with reasons. */
  public Map<UUID, String> cancelRequests(UUID orchestrator) throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement ps = c.prepareStatement(CANCEL_REQUESTS)) {
      ps.setObject(1, orchestrator);
      Map<UUID, String> result = new HashMap<>();
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
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
          }
        });
  }

  /** The executions a parent invoked, oldest first. */
  public List<Row> children(UUID parent) {
    return db.call(
        "read the children of execution " + parent,
        c -> {
          try (PreparedStatement ps = c.prepareStatement(CHILDREN)) {
            ps.setObject(1, parent);
            List<Row> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                rows.add(row(rs));
              }
            }
            return rows;
          }
        });
  }

  private static Row row(ResultSet rs) throws SQLException {
    return new Row(
        rs.getObject("id", UUID.class),
        rs.getString("task_key"),
        rs.getString("queue"),
        ExecutionState.valueOf(rs.getString("state")),
        rs.getInt("attempts"),
        rs.getInt("priority"),
        rs.getString("dedupe_key"),
        rs.getObject("parent_id", UUID.class),
        rs.getString("origin"),
        rs.getString("origin_name"),
        rs.getString("payload"),
        rs.getString("last_error"),
        rs.getString("last_error_stack"),
        Db.instant(rs.getTimestamp("created_at")),
        Db.instant(rs.getTimestamp("run_at")),
        Db.instant(rs.getTimestamp("started_at")),
        Db.instant(rs.getTimestamp("finished_at")),
        rs.getString("result"));
  }

  /** An execution as stored, payload and result still JSON. */
  public record Row(
      UUID id,
      String taskName,
      String queue,
      ExecutionState state,
      int attempts,
      int priority,
      String dedupeKey,
      UUID parentId,
      String origin,
      String originName,
      String payloadJson,
      String lastError,
      String lastErrorStack,
      Instant createdAt,
      Instant runAt,
      Instant startedAt,
      Instant finishedAt,
      String resultJson) {}
}
