package dev.pgconductor.internal.db;

import dev.pgconductor.ConductorListener;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** SQL calls about orchestrators, their heartbeats, registered tasks and queue partitions. */
public final class OrchestratorStore {
  private final Db db;

  public OrchestratorStore(Db db) {
    this.db = db;
  }

  /** A task as the orchestrator registers it. */
  public record TaskRow(
      String name, String queue, int maxAttempts, boolean invocable, Integer concurrency) {}

  /** A task an orchestrator runs on a queue. */
  public record Served(String queue, String task) {}

  /**
   * Registers the orchestrator, live from now, with the tasks it runs (see pgconductor.register).
   */
  public void register(UUID id, String host, long pid, List<Served> served) {
    db.call(
        "register orchestrator " + id,
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("select pgconductor.register(?, ?, ?, ?, ?)")) {
            ps.setObject(1, id);
            ps.setString(2, host);
            ps.setLong(3, pid);
            ps.setArray(4, c.createArrayOf("text", served.stream().map(Served::queue).toArray()));
            ps.setArray(5, c.createArrayOf("text", served.stream().map(Served::task).toArray()));
            ps.execute();
            return null;
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
              c.prepareStatement("select pgconductor.register_tasks(?, ?, ?, ?, ?)")) {
            ps.setArray(1, c.createArrayOf("text", tasks.stream().map(TaskRow::name).toArray()));
            ps.setArray(2, c.createArrayOf("text", tasks.stream().map(TaskRow::queue).toArray()));
            ps.setArray(
                3, c.createArrayOf("int4", tasks.stream().map(TaskRow::maxAttempts).toArray()));
            ps.setArray(
                4, c.createArrayOf("bool", tasks.stream().map(TaskRow::invocable).toArray()));
            ps.setArray(
                5, c.createArrayOf("int4", tasks.stream().map(TaskRow::concurrency).toArray()));
            ps.execute();
            return null;
          }
        });
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
   * Beats; returns false when this orchestrator was declared dead (it must register again). Only
   * its own row is written, so this never waits on an execution.
   */
  public boolean heartbeat(UUID id, Duration timeout) throws SQLException {
    try (var c = db.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "select alive from pgconductor.heartbeat(?, make_interval(secs => ?::double"
                    + " precision))")) {
      ps.setObject(1, id);
      ps.setDouble(2, timeout.toMillis() / 1000.0);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
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

  /** Marks or unmarks a worker as asleep on its empty queue (invokes notify only such queues). */
  public void setIdle(UUID orchestrator, String queue, boolean idle) throws SQLException {
    try (var c = db.connection();
        PreparedStatement ps = c.prepareStatement("select pgconductor.set_idle(?, ?, ?)")) {
      ps.setObject(1, orchestrator);
      ps.setString(2, queue);
      ps.setBoolean(3, idle);
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
                    select 1 from pgconductor.executions
                    where queue = any (?) and task_key = any (?)
                      and (locked_by is not null or run_at <= coalesce(?::timestamptz, now())))""")) {
            ps.setArray(1, c.createArrayOf("text", queues.toArray()));
            ps.setArray(2, c.createArrayOf("text", tasks.toArray()));
            ps.setString(3, db.nowParam());
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getBoolean(1);
            }
          }
        });
  }
}
