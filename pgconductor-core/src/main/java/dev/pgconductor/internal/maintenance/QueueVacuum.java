package dev.pgconductor.internal.maintenance;

import dev.pgconductor.internal.db.Db;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Vacuums the partitions of an orchestrator's busy queues itself, without waiting for autovacuum.
 * Every execution leaves two dead row versions in its queue's partition (its claim's update and its
 * finish's delete): on a queue running thousands of executions a second that is millions a minute,
 * and autovacuum comes back to a database only once per {@code autovacuum_naptime} (a minute by
 * default), or never where it is off. Meanwhile the partition and its indexes grow and every claim
 * wades through dead index entries, so latency climbs.
 *
 * <p>A check reads the server's statistics for the queues' partitions (see
 * pgconductor.queues_to_vacuum) and runs {@code VACUUM (SKIP_LOCKED, TRUNCATE false)} on each that
 * passed the threshold. Several orchestrators on a queue do not vacuum it twice at once: the second
 * skips a partition the first (or autovacuum) is vacuuming. It does not truncate the partition's
 * empty tail, which would need a lock that stops every claim for a moment. Only a database user
 * that owns the partitions (the one that installed the schema, as a rule) may vacuum them; for any
 * other the check says so once per queue and leaves them to autovacuum.
 */
public final class QueueVacuum {
  private static final Logger LOG = LoggerFactory.getLogger(QueueVacuum.class);

  /** Dead row versions a partition holds, at least, before it is vacuumed... */
  static final long MIN_DEAD = 50_000;

  /** ...plus this share of its live rows, so a large backlog is not vacuumed over and over. */
  static final double LIVE_FRACTION = 0.1;

  private final Db db;
  private final Set<String> notOwned = new HashSet<>(); // queues said once to be left to autovacuum
  private volatile Statement running; // the VACUUM in progress, for cancel()
  private volatile boolean cancelled;

  public QueueVacuum(Db db) {
    this.db = db;
  }

  /** Checks the queues' partitions and vacuums those that need it; returns how many it vacuumed. */
  public int run(List<String> queues) throws SQLException {
    record Due(String queue, String relation, long dead) {}
    List<Due> due = new ArrayList<>();
    try (Connection c = db.connection()) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "select queue, relation, dead, can_vacuum from pgconductor.queues_to_vacuum(?, ?, ?)")) {
        ps.setArray(1, c.createArrayOf("text", queues.toArray()));
        ps.setLong(2, MIN_DEAD);
        ps.setDouble(3, LIVE_FRACTION);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            String queue = rs.getString(1);
            if (rs.getBoolean(4)) {
              due.add(new Due(queue, rs.getString(2), rs.getLong(3)));
            } else if (notOwned.add(queue)) {
              LOG.info(
                  "Queue '{}' has {} dead row versions, but database user {} does not own its"
                      + " partition {}, so it cannot vacuum it: autovacuum does (see"
                      + " docs/performance.md)",
                  queue,
                  rs.getLong(3),
                  c.getMetaData().getUserName(),
                  rs.getString(2));
            }
          }
        }
      }
      int vacuumed = 0;
      for (Due d : due) {
        long started = System.nanoTime();
        try (Statement st = c.createStatement()) {
          running = st;
          if (cancelled) {
            break; // cancel() came before this statement existed
          }
          // the name comes quoted from the catalog (format %I), never from user input
          st.execute("vacuum (skip_locked, truncate false) " + d.relation());
          SQLWarning warning = st.getWarnings();
          if (warning != null) {
            LOG.debug("Vacuum of {}: {}", d.relation(), warning.getMessage());
          }
        } catch (SQLException e) {
          if (cancelled) {
            break; // the orchestrator stops: a vacuum cut short leaves nothing half-done
          }
          throw e;
        } finally {
          running = null;
        }
        vacuumed++;
        LOG.debug(
            "Vacuumed {} of queue '{}' ({} dead row versions) in {} ms",
            d.relation(),
            d.queue(),
            d.dead(),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      }
      return vacuumed;
    }
  }

  /**
   * Stops a vacuum in progress (the server cancels it) and any that {@link #run} would start after
   * it: the orchestrator stops and should not hold a pooled connection for minutes meanwhile.
   */
  public void cancel() {
    cancelled = true;
    Statement st = running;
    if (st != null) {
      try {
        st.cancel();
      } catch (SQLException e) {
        LOG.debug("Cancelling a vacuum failed: {}", e.getMessage());
      }
    }
  }
}
