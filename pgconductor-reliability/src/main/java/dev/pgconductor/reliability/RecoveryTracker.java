package dev.pgconductor.reliability;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures, for each execution a killed worker held, the time from the kill to the moment another
 * worker claimed it again (and, on the way, to the rescue that handed it back to the queue: the
 * first poll, every 100 ms, that sees it no longer held by the killed worker), and stores both in
 * {@code harness.recoveries}. It also records when the docs allowed the rescue, which the checker's
 * bound starts from. It snapshots the held executions and their lease right before the kill; an
 * execution counts as picked up once its lease grew or it finished. The claim time is the row's own
 * claim time (database clock) when the poll sees it still running, and the poll's time otherwise,
 * so a figure is never too small.
 */
public final class RecoveryTracker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RecoveryTracker.class);
  private static final long POLL_NANOS = 100_000_000L;

  private final DataSource db;
  private final String timeout;
  private final java.util.function.Supplier<List<String>> liveOrchestrators;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean closed;

  /**
   * A tracker on a pool of the scenario's database, for workers with this heartbeat timeout; {@code
   * liveOrchestrators} gives the orchestrator ids of the worker processes still alive (a peer that
   * was killed a moment ago still looks fresh in the database, but rescues nobody).
   */
  public RecoveryTracker(
      DataSource db,
      java.time.Duration heartbeatTimeout,
      java.util.function.Supplier<List<String>> liveOrchestrators) {
    this.db = db;
    this.timeout = heartbeatTimeout.toMillis() + " milliseconds";
    this.liveOrchestrators = liveOrchestrators;
  }

  /**
   * Kills a worker and tracks the recovery of what it held. Returns the number of executions it
   * held.
   */
  public int killAndTrack(WorkerProcess worker, String faultKind) {
    return faultAndTrack(worker, faultKind, worker::kill);
  }

  /**
   * Injects a fault that takes a worker away ({@code fault} runs right after the snapshot of what
   * it holds) and tracks the recovery of what it held. Returns the number of executions it held.
   */
  public int faultAndTrack(WorkerProcess worker, String faultKind, Runnable fault) {
    try (Connection c = db.getConnection()) {
      String dead = worker.orchestratorId();
      List<Object[]> held = new ArrayList<>();
      try (PreparedStatement snap =
          c.prepareStatement(
              "select id::text, lease from pgconductor.executions where locked_by = ?::uuid")) {
        snap.setString(1, worker.orchestratorId());
        try (ResultSet rs = snap.executeQuery()) {
          while (rs.next()) {
            held.add(new Object[] {rs.getString(1), rs.getInt(2)});
          }
        }
      }
      fault.run();
      long faultId;
      try (PreparedStatement insert =
          c.prepareStatement(
              "insert into harness.faults (kind, worker) values (?, ?) returning id")) {
        insert.setString(1, faultKind);
        insert.setString(2, worker.name());
        try (ResultSet rs = insert.executeQuery()) {
          rs.next();
          faultId = rs.getLong(1);
        }
      }
      if (!held.isEmpty()) {
        Thread t = Thread.ofVirtual().start(() -> track(faultId, dead, held));
        synchronized (threads) {
          threads.add(t);
        }
      }
      return held.size();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot record a kill", e);
    }
  }

  private void track(long faultId, String deadOrchestrator, List<Object[]> held) {
    List<Object[]> pending = new ArrayList<>(held);
    Map<String, Double> rescued = new HashMap<>();
    Double allowed = null;
    while (!pending.isEmpty() && !closed) {
      try (Connection c = db.getConnection()) {
        if (rescued.isEmpty() || allowed == null) {
          // until the rescue happens: the start of the current stretch in which it is allowed (a
          // peer that allowed it but was killed before its next heartbeat ends the stretch)
          allowed = rescueAllowed(c, faultId, deadOrchestrator, rescued, allowed);
        }
      } catch (SQLException e) {
        LOG.debug("recovery poll failed: {}", e.getMessage());
      }
      try (Connection c = db.getConnection();
          PreparedStatement ps =
              c.prepareStatement(
                  """
                  select h.id::text,
                    case when e.id is null or e.locked_by is distinct from ?::uuid
                      then extract(epoch from clock_timestamp() - k.at) end,
                    case when e.lease > h.lease or f.id is not null
                      then extract(epoch from coalesce(
                             case when e.locked_by is not null then e.locked_at end,
                             f.started_at, clock_timestamp()) - k.at) end
                  from unnest(?::uuid[], ?::int[]) as h(id, lease)
                  cross join (select at from harness.faults where id = ?) k
                  left join pgconductor.executions e on e.id = h.id
                  left join pgconductor.finished_executions f on f.id = h.id
                  """);
          PreparedStatement insert =
              c.prepareStatement(
                  "insert into harness.recoveries (fault_id, execution_id, seconds, rescue_seconds)"
                      + " values (?, ?::uuid, ?, ?)")) {
        ps.setString(1, deadOrchestrator);
        ps.setArray(2, c.createArrayOf("uuid", pending.stream().map(h -> h[0]).toArray()));
        ps.setArray(3, c.createArrayOf("int4", pending.stream().map(h -> h[1]).toArray()));
        ps.setLong(4, faultId);
        List<String> done = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String id = rs.getString(1);
            double rescue = rs.getDouble(2);
            if (!rs.wasNull()) {
              rescued.putIfAbsent(id, rescue);
            }
            double picked = rs.getDouble(3);
            if (!rs.wasNull()) {
              insert.setLong(1, faultId);
              insert.setString(2, id);
              insert.setDouble(3, picked);
              // not seen unclaimed in between: the pick-up time bounds the rescue's
              insert.setDouble(4, Math.min(picked, rescued.getOrDefault(id, picked)));
              insert.executeUpdate();
              done.add(id);
            }
          }
        }
        pending.removeIf(h -> done.contains((String) h[0]));
      } catch (SQLException e) {
        LOG.debug("recovery poll failed: {}", e.getMessage());
      }
      LockSupport.parkNanos(POLL_NANOS);
    }
  }

  /**
   * Seconds from the fault to the start of the current stretch of time in which the docs allow the
   * rescue (the taken worker's last heartbeat older than the timeout, and some other orchestrator
   * whose process was not killed live for at least the timeout and heartbeating: its last beat
   * within half the timeout, as pgconductor.rescue asks), stored in {@code
   * harness.faults.allowed_seconds}; null while not allowed. {@code since} is the stretch found by
   * the previous poll: a peer that allowed the rescue but was killed before its next heartbeat ends
   * the stretch. When the taken worker's row is already gone, the earliest rescue seen stands in.
   */
  private Double rescueAllowed(
      Connection c, long faultId, String dead, Map<String, Double> rescued, Double since)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            select exists (select 1 from pgconductor.orchestrators where id = ?::uuid),
              coalesce((select last_heartbeat_at < now() - ?::interval
                        from pgconductor.orchestrators where id = ?::uuid), true)
              and exists (select 1 from pgconductor.orchestrators o
                          where o.id <> ?::uuid and o.live_since <= now() - ?::interval
                            and o.last_heartbeat_at > now() - ?::interval / 2
                            and o.id = any (?::uuid[])),
              extract(epoch from clock_timestamp() - (select at from harness.faults where id = ?))
            """)) {
      ps.setString(1, dead);
      ps.setString(2, timeout);
      ps.setString(3, dead);
      ps.setString(4, dead);
      ps.setString(5, timeout);
      ps.setString(6, timeout);
      ps.setArray(7, c.createArrayOf("uuid", liveOrchestrators.get().toArray()));
      ps.setLong(8, faultId);
      Double allowed;
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        boolean present = rs.getBoolean(1);
        boolean allowedNow = rs.getBoolean(2);
        double now = rs.getDouble(3);
        if (!present) {
          allowed = rescued.values().stream().min(Double::compare).orElse(now);
        } else if (allowedNow) {
          allowed = since != null ? since : now;
        } else {
          allowed = null;
        }
      }
      if (!java.util.Objects.equals(allowed, since)) {
        try (PreparedStatement update =
            c.prepareStatement("update harness.faults set allowed_seconds = ? where id = ?")) {
          update.setObject(1, allowed, java.sql.Types.DOUBLE);
          update.setLong(2, faultId);
          update.executeUpdate();
        }
      }
      return allowed;
    }
  }

  /** Waits (up to the given time) for the trackers still running, then stops them. */
  @Override
  public void close() {
    long deadline = System.nanoTime() + 30_000_000_000L;
    synchronized (threads) {
      for (Thread t : threads) {
        long left = deadline - System.nanoTime();
        try {
          if (left > 0) {
            t.join(java.time.Duration.ofNanos(left));
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    closed = true;
  }
}
