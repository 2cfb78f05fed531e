package dev.pgconductor.internal.maintenance;

import dev.pgconductor.MaintenanceReport;
import dev.pgconductor.internal.db.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The daily maintenance of queues: removing finished executions whose retention ran out, in batches
 * of {@value #BATCH} rows, each its own short transaction, so workers on the queue are never held
 * up for long. Which queue is due, and who runs it, the database decides
 * (pgconductor.start_maintenance).
 */
public final class Maintenance {
  /** Rows removed per transaction. */
  static final int BATCH = 2_000;

  /**
   * After each batch, a pause this many times as long as the batch took: the removal uses a tenth
   * of one connection's time at most, so workers on a busy queue hardly notice it.
   */
  static final int PAUSE_FACTOR = 9;

  private final Db db;

  public Maintenance(Db db) {
    this.db = db;
  }

  /** The queues among these whose maintenance is due, each now taken by this caller alone. */
  public List<String> due(List<String> queues) throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement ps =
            c.prepareStatement("select pgconductor.start_maintenance(?, ?::timestamptz)")) {
      ps.setArray(1, c.createArrayOf("text", queues.toArray()));
      ps.setString(2, db.nowParam());
      List<String> due = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          due.add(rs.getString(1));
        }
      }
      return due;
    }
  }

  /**
   * Removes the expired finished executions of a queue, a batch at a time with a pause after each,
   * until none is left or {@code stop} says so (or the thread is interrupted).
   */
  public MaintenanceReport run(String queue, BooleanSupplier stop) throws SQLException {
    long started = System.nanoTime();
    long completed = 0;
    long failed = 0;
    long cancelled = 0;
    boolean finished = false;
    try (Connection c = db.connection();
        PreparedStatement remove =
            c.prepareStatement(
                "select completed, failed, cancelled"
                    + " from pgconductor.remove_expired(?, ?, ?::timestamptz)")) {
      remove.setString(1, queue);
      remove.setInt(2, BATCH);
      while (!stop.getAsBoolean()) {
        remove.setString(3, db.nowParam());
        long batchStarted = System.nanoTime();
        int batch;
        try (ResultSet rs = remove.executeQuery()) {
          rs.next();
          completed += rs.getInt(1);
          failed += rs.getInt(2);
          cancelled += rs.getInt(3);
          batch = rs.getInt(1) + rs.getInt(2) + rs.getInt(3);
        }
        if (batch < BATCH) {
          finished = true;
          break;
        }
        if (!pause(Duration.ofNanos((System.nanoTime() - batchStarted) * PAUSE_FACTOR))) {
          break;
        }
      }
      try (PreparedStatement done =
          c.prepareStatement("select pgconductor.finish_maintenance(?, ?, ?::timestamptz)")) {
        done.setString(1, queue);
        done.setLong(2, completed + failed + cancelled);
        done.setString(3, db.nowParam());
        done.execute();
      }
    }
    return new MaintenanceReport(
        queue,
        completed,
        failed,
        cancelled,
        Duration.ofNanos(System.nanoTime() - started),
        finished);
  }

  /** Sleeps; false when interrupted (the orchestrator is stopping). */
  private static boolean pause(Duration duration) {
    try {
      Thread.sleep(duration);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Removes every execution of a queue (see pgconductor.drop_queue); returns how many.
   *
   * @throws IllegalStateException while an orchestrator serves the queue
   * @throws IllegalArgumentException when there is no such queue
   */
  public long dropQueue(String queue) throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement ps =
            c.prepareStatement(
                "select unfinished + finished from pgconductor.drop_queue(?, ?::timestamptz)")) {
      ps.setString(1, queue);
      ps.setString(2, db.nowParam());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (PSQLException e) {
      ServerErrorMessage server = e.getServerErrorMessage();
      String hint = server == null ? null : server.getHint();
      if ("pgconductor:queue-served".equals(hint)) {
        throw new IllegalStateException(server.getMessage(), e);
      }
      if ("pgconductor:unknown-queue".equals(hint)) {
        throw new IllegalArgumentException(server.getMessage(), e);
      }
      throw e;
    }
  }
}
