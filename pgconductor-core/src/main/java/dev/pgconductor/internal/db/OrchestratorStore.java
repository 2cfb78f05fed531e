package dev.pgconductor.internal.db;

import dev.pgconductor.ConductorListener;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/** SQL calls about orchestrators, their heartbeats, registered tasks and queue partitions. */
public final class OrchestratorStore {
  private final Db db;

  public OrchestratorStore(Db db) {
    this.db = db;
  }

  /** A task as the orchestrator registers it. */
  public record TaskRow(
      String name,
      String queue,
      int maxAttempts,
      boolean invocable,
      Integer concurrency,
      boolean freesDedupeKey,
      Duration keepCompleted, // null: for ever
      Duration keepFailed,
      dev.pgconductor.TimeWindow window, // null: any time
      Integer batchSize) {} // null: not a batch task

  /** A task an orchestrator runs on a queue. */
  public record Served(String queue, String task) {}

  /**
   * Registers the orchestrator, live from now, with the tasks it runs and the newest schema version
   * its library knows (see pgconductor.register). Returns null, or, having registered nothing, the
   * version of a drain request above {@code schemaVersion}: a newer library waits for older
   * orchestrators to stop before a breaking migration.
   */
  public Integer register(UUID id, String host, long pid, List<Served> served, int schemaVersion) {
    return db.call(
        "register orchestrator " + id,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("select pgconductor.register(?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, id);
            ps.setString(2, host);
            ps.setLong(3, pid);
            ps.setArray(4, c.createArrayOf("text", served.stream().map(Served::queue).toArray()));
            ps.setArray(5, c.createArrayOf("text", served.stream().map(Served::task).toArray()));
            ps.setInt(6, schemaVersion);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              int drainTo = rs.getInt(1);
              return rs.wasNull() ? null : drainTo;
            }
          }
        });
  }

  /**
   * Upserts the served tasks in one call, gating the waiting executions of tasks whose limit is new
   * and ungating those of tasks that lost theirs.
   */
  public void registerTasks(List<TaskRow> tasks) {
    db.call(
        "register tasks",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "select pgconductor.register_tasks(?, ?, ?, ?, ?, ?, ?::interval[],"
                      + " ?::interval[], ?::time[], ?::time[], ?, ?)")) {
            ps.setArray(1, c.createArrayOf("text", tasks.stream().map(TaskRow::name).toArray()));
            ps.setArray(2, c.createArrayOf("text", tasks.stream().map(TaskRow::queue).toArray()));
            ps.setArray(
                3, c.createArrayOf("int4", tasks.stream().map(TaskRow::maxAttempts).toArray()));
            ps.setArray(
                4, c.createArrayOf("bool", tasks.stream().map(TaskRow::invocable).toArray()));
            ps.setArray(
                5, c.createArrayOf("int4", tasks.stream().map(TaskRow::concurrency).toArray()));
            ps.setArray(
                6, c.createArrayOf("bool", tasks.stream().map(TaskRow::freesDedupeKey).toArray()));
            // ISO 8601 durations (PT168H), which Postgres reads as intervals
            ps.setArray(
                7,
                c.createArrayOf(
                    "text",
                    tasks.stream().map(t -> Objects.toString(t.keepCompleted(), null)).toArray()));
            ps.setArray(
                8,
                c.createArrayOf(
                    "text",
                    tasks.stream().map(t -> Objects.toString(t.keepFailed(), null)).toArray()));
            ps.setArray(9, c.createArrayOf("text", windowPart(tasks, w -> w.from().toString())));
            ps.setArray(10, c.createArrayOf("text", windowPart(tasks, w -> w.to().toString())));
            ps.setArray(11, c.createArrayOf("text", windowPart(tasks, w -> w.zone().getId())));
            ps.setArray(
                12, c.createArrayOf("int4", tasks.stream().map(TaskRow::batchSize).toArray()));
            ps.execute();
            return null;
          }
        });
  }

  private static Object[] windowPart(
      List<TaskRow> tasks, java.util.function.Function<dev.pgconductor.TimeWindow, String> part) {
    return tasks.stream().map(t -> t.window() == null ? null : part.apply(t.window())).toArray();
  }

  /** A static schedule (a cron trigger) and its next occurrence, as computed now. */
  public record StaticSchedule(
      String task, String name, String cron, String zone, Instant nextAt, UUID nextId) {}

  /**
   * Writes the static schedules of the served tasks as the code declares them and creates the
   * pending occurrences they lack (see pgconductor.register_schedules).
   */
  public void registerSchedules(List<String> servedTasks, List<StaticSchedule> schedules) {
    db.call(
        "register the cron schedules",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "select pgconductor.register_schedules(?, ?, ?, ?, ?, ?::timestamptz[], ?,"
                      + " ?::timestamptz)")) {
            ps.setArray(1, c.createArrayOf("text", servedTasks.toArray()));
            ps.setArray(
                2, c.createArrayOf("text", schedules.stream().map(StaticSchedule::task).toArray()));
            ps.setArray(
                3, c.createArrayOf("text", schedules.stream().map(StaticSchedule::name).toArray()));
            ps.setArray(
                4, c.createArrayOf("text", schedules.stream().map(StaticSchedule::cron).toArray()));
            ps.setArray(
                5, c.createArrayOf("text", schedules.stream().map(StaticSchedule::zone).toArray()));
            ps.setArray(
                6,
                c.createArrayOf(
                    "text", schedules.stream().map(x -> x.nextAt().toString()).toArray()));
            ps.setObject(
                7,
                new UuidArray(schedules.stream().map(StaticSchedule::nextId).toArray(UUID[]::new)));
            ps.setString(8, db.nowParam());
            ps.execute();
            return null;
          }
        });
  }

  /** A subscription of a task to an event, as the code declares it. */
  public record Subscription(String event, String task, List<String> fields, String condition) {}

  /**
   * Writes the event subscriptions of the served tasks as the code declares them (see
   * pgconductor.register_subscriptions); a condition Postgres cannot use fails it, naming it.
   */
  public void registerSubscriptions(List<String> servedTasks, List<Subscription> subscriptions) {
    db.call(
        "register the event subscriptions",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "select pgconductor.register_subscriptions(?, ?, ?, ?::jsonb[], ?)")) {
            ps.setArray(1, c.createArrayOf("text", servedTasks.toArray()));
            ps.setArray(
                2,
                c.createArrayOf("text", subscriptions.stream().map(Subscription::event).toArray()));
            ps.setArray(
                3,
                c.createArrayOf("text", subscriptions.stream().map(Subscription::task).toArray()));
            ps.setArray(
                4,
                c.createArrayOf(
                    "text",
                    subscriptions.stream()
                        .map(x -> x.fields() == null ? null : jsonArray(x.fields()))
                        .toArray()));
            ps.setArray(
                5,
                c.createArrayOf(
                    "text", subscriptions.stream().map(Subscription::condition).toArray()));
            ps.execute();
            return null;
          }
        });
  }

  /** A row-change trigger of a task, as the code declares it. */
  public record RowTrigger(
      String task,
      String schema,
      String table,
      String operation,
      List<String> columns,
      String condition) {}

  /**
   * Writes the row-change triggers of the served tasks as the code declares them (see
   * pgconductor.register_row_triggers): an unknown schema, table or column, or a condition Postgres
   * cannot use, fails it with a message naming it, and nothing is written.
   */
  public void registerRowTriggers(List<String> servedTasks, List<RowTrigger> triggers) {
    db.call(
        "register the row-change triggers",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "select pgconductor.register_row_triggers(?, ?, ?, ?, ?, ?::jsonb[], ?)")) {
            ps.setArray(1, c.createArrayOf("text", servedTasks.toArray()));
            ps.setArray(
                2, c.createArrayOf("text", triggers.stream().map(RowTrigger::task).toArray()));
            ps.setArray(
                3, c.createArrayOf("text", triggers.stream().map(RowTrigger::schema).toArray()));
            ps.setArray(
                4, c.createArrayOf("text", triggers.stream().map(RowTrigger::table).toArray()));
            ps.setArray(
                5, c.createArrayOf("text", triggers.stream().map(RowTrigger::operation).toArray()));
            ps.setArray(
                6,
                c.createArrayOf(
                    "text",
                    triggers.stream()
                        .map(x -> x.columns() == null ? null : jsonArray(x.columns()))
                        .toArray()));
            ps.setArray(
                7, c.createArrayOf("text", triggers.stream().map(RowTrigger::condition).toArray()));
            ps.execute();
            return null;
          }
        });
  }

  /** What pgconductor.apply_row_triggers did to one Postgres trigger. */
  public record AppliedTrigger(String action, String trigger, String table, String task) {}

  /**
   * Makes the Postgres triggers match the registered row-change triggers (see
   * pgconductor.apply_row_triggers); returns what it created or dropped.
   *
   * @throws SQLException as Postgres reported it (42501 when the role may not create a trigger)
   */
  public List<AppliedTrigger> applyRowTriggers() throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "select action, trigger_name, on_table, task_key"
                    + " from pgconductor.apply_row_triggers()");
        ResultSet rs = ps.executeQuery()) {
      List<AppliedTrigger> applied = new ArrayList<>();
      while (rs.next()) {
        applied.add(
            new AppliedTrigger(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
      }
      return applied;
    }
  }

  /** A JSON array of strings (field paths: letters, digits, dots, underscores at most). */
  private static String jsonArray(List<String> values) {
    StringBuilder out = new StringBuilder("[");
    for (String value : values) {
      if (out.length() > 1) {
        out.append(',');
      }
      out.append('"');
      for (char ch : value.toCharArray()) {
        if (ch == '"' || ch == '\\') {
          out.append('\\');
        }
        out.append(ch < 0x20 ? ' ' : ch);
      }
      out.append('"');
    }
    return out.append(']').toString();
  }

  /** A schedule without a pending occurrence. */
  public record ScheduleToFill(String task, String name, String cron, String zone) {}

  /**
   * The schedules of these tasks that have no pending occurrence (pgconductor.schedules_to_fill).
   */
  public List<ScheduleToFill> schedulesToFill(List<String> tasks) throws SQLException {
    try (var c = db.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "select task_key, name, cron, time_zone from pgconductor.schedules_to_fill(?)")) {
      ps.setArray(1, c.createArrayOf("text", tasks.toArray()));
      List<ScheduleToFill> found = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(
              new ScheduleToFill(
                  rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
        }
      }
      return found;
    }
  }

  /** Creates the given next occurrences where a schedule still has none. */
  public void createOccurrences(List<StaticSchedule> occurrences) throws SQLException {
    try (var c = db.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "select pgconductor.create_occurrences(?, ?, ?::timestamptz[], ?, ?::timestamptz)")) {
      ps.setArray(
          1, c.createArrayOf("text", occurrences.stream().map(StaticSchedule::task).toArray()));
      ps.setArray(
          2, c.createArrayOf("text", occurrences.stream().map(StaticSchedule::name).toArray()));
      ps.setArray(
          3,
          c.createArrayOf("text", occurrences.stream().map(x -> x.nextAt().toString()).toArray()));
      ps.setObject(
          4, new UuidArray(occurrences.stream().map(StaticSchedule::nextId).toArray(UUID[]::new)));
      ps.setString(5, db.nowParam());
      ps.execute();
    }
  }

  public void ensureQueue(String queue) {
    db.call(
        "create the partition of queue '" + queue + "'",
        c -> {
          try (PreparedStatement ps = c.prepareStatement("select pgconductor.ensure_queue(?)")) {
            ps.setString(1, queue);
            ps.execute();
            return null;
          }
        });
  }

  /**
   * What a heartbeat learned.
   *
   * @param alive false when this orchestrator was declared dead (it must register again)
   * @param drainTo null, or the version of a drain request above this orchestrator's schema
   *     version: it must drain and stop
   */
  public record Beat(boolean alive, Integer drainTo) {}

  /**
   * Beats (see pgconductor.heartbeat). Only its own row is written, so this never waits on an
   * execution.
   */
  public Beat heartbeat(UUID id, Duration timeout, Duration interval) throws SQLException {
    try (var c = db.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "select alive, drain_to from pgconductor.heartbeat(?, make_interval(secs =>"
                    + " ?::double precision), make_interval(secs => ?::double precision))")) {
      ps.setObject(1, id);
      ps.setDouble(2, timeout.toMillis() / 1000.0);
      ps.setDouble(3, interval.toMillis() / 1000.0);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        boolean alive = rs.getBoolean(1);
        int drainTo = rs.getInt(2);
        return new Beat(alive, rs.wasNull() ? null : drainTo);
      }
    }
  }

  /** The schema version of the database: its newest applied migration. */
  public int installedSchemaVersion() throws SQLException {
    try (var c = db.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "select coalesce(max(version), 0) from pgconductor.schema_migrations");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /**
   * Releases or fails what orchestrators that stopped heartbeating held, if {@code rescuer} may
   * judge (see pgconductor.rescue); returns how many executions.
   */
  public int rescue(UUID rescuer, Duration timeout) throws SQLException {
    try (var c = db.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "select pgconductor.rescue(?, make_interval(secs => ?::double precision),"
                    + " ?::timestamptz)")) {
      ps.setObject(1, rescuer);
      ps.setDouble(2, timeout.toMillis() / 1000.0);
      ps.setString(3, db.nowParam());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** Ready executions on these queues of tasks that no registered orchestrator runs there. */
  public List<ConductorListener.UnservedTask> unserved(List<String> queues) throws SQLException {
    try (var c = db.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "select queue, task_key, ready, oldest from pgconductor.unserved(?,"
                    + " ?::timestamptz)")) {
      ps.setArray(1, c.createArrayOf("text", queues.toArray()));
      ps.setString(2, db.nowParam());
      List<ConductorListener.UnservedTask> found = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(
              new ConductorListener.UnservedTask(
                  rs.getString(1), rs.getString(2), rs.getLong(3), Db.instant(rs.getTimestamp(4))));
        }
      }
      return found;
    }
  }

  /**
   * Releases the executions of a queue that this orchestrator holds in the database but not in
   * memory (a claim whose answer was lost), claimed longer ago than {@code olderThan}; see
   * pgconductor.release_orphans. Returns how many.
   */
  public int releaseOrphans(
      UUID orchestrator, String queue, java.util.Set<UUID> known, Duration olderThan)
      throws SQLException {
    try (var c = db.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "select pgconductor.release_orphans(?, ?, ?, make_interval(secs =>"
                    + " ?::double precision))")) {
      ps.setObject(1, orchestrator);
      ps.setString(2, queue);
      ps.setObject(3, new UuidArray(known.toArray(UUID[]::new)));
      ps.setDouble(4, olderThan.toMillis() / 1000.0);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** Marks or unmarks a worker as asleep on its empty queue (invokes notify only such queues). */
  public void setIdle(UUID orchestrator, String queue, boolean idle) throws SQLException {
    setIdle(orchestrator, queue, idle, "");
  }

  /** As {@link #setIdle(UUID, String, boolean)}, for a part of a worker (a batch task's loop). */
  public void setIdle(UUID orchestrator, String queue, boolean idle, String part)
      throws SQLException {
    try (var c = db.connection();
        PreparedStatement ps = c.prepareStatement("select pgconductor.set_idle(?, ?, ?, ?)")) {
      ps.setObject(1, orchestrator);
      ps.setString(2, queue);
      ps.setBoolean(3, idle);
      ps.setString(4, part);
      ps.execute();
    }
  }

  /**
   * Removes the orchestrator and releases anything it still holds as abandoned runs, waking idle
   * workers of those queues; see pgconductor.deregister. Returns how many were released.
   */
  public int deregister(UUID id) {
    return db.call(
        "deregister orchestrator " + id,
        c -> {
          try (PreparedStatement ps = c.prepareStatement("select pgconductor.deregister(?)")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getInt(1);
            }
          }
        });
  }

  /** Whether any of the given tasks on the given queues is ready to run or running. */
  public boolean hasActiveWork(List<String> queues, List<String> tasks) {
    return db.call(
        "look for ready work",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  """
                  select exists (
                    select 1 from pgconductor.executions e
                    where e.queue = any (?) and e.task_key = any (?)
                      and (e.locked_by is not null
                           or (e.run_at <= coalesce(?::timestamptz, now())
                               -- outside its task's time window it is not ready
                               and not exists (
                                 select 1 from pgconductor.tasks t
                                 where t.key = e.task_key and t.window_from is not null
                                   and pgconductor.window_opens(
                                         t.window_from, t.window_to, t.window_zone,
                                         coalesce(?::timestamptz, now())) is not null))))
                  or exists (
                    select 1 from pgconductor.row_changes
                    where queue = any (?) and task_key = any (?))""")) {
            ps.setArray(1, c.createArrayOf("text", queues.toArray()));
            ps.setArray(2, c.createArrayOf("text", tasks.toArray()));
            ps.setString(3, db.nowParam());
            ps.setString(4, db.nowParam());
            ps.setArray(5, c.createArrayOf("text", queues.toArray()));
            ps.setArray(6, c.createArrayOf("text", tasks.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getBoolean(1);
            }
          }
        });
  }
}
