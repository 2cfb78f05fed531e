package dev.pgconductor.reliability;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures, for each execution a killed worker held, the time from the kill to the moment another
 * worker claimed it again (and, on the way, to the rescue that handed it back to the queue, read
 * from the {@code run_at} the rescue gives it), and stores both in {@code harness.recoveries}. It
 * snapshots the held executions and their lease right before the kill; an execution counts as
 * picked up once its lease grew or it finished. The claim time is the row's own claim time
 * (database clock) when the poll sees it still running, and the poll's time otherwise, so a figure
 * is never too small.
 */
public final class RecoveryTracker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RecoveryTracker.class);
  private static final long POLL_NANOS = 100_000_000L;

  private final String url;
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean closed;

  /** A tracker for the database at {@code url}. */
  public RecoveryTracker(String url) {
    this.url = url;
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
    try (Connection c = DriverManager.getConnection(url)) {
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
    while (!pending.isEmpty() && !closed) {
      try (Connection c = DriverManager.getConnection(url);
          PreparedStatement ps =
              c.prepareStatement(
                  """
                  select h.id::text,
                    case when e.id is null or e.locked_by is distinct from ?::uuid
                      then greatest(0, extract(epoch from least(e.run_at, clock_timestamp()) - k.at)) end,
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
