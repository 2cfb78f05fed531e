package dev.pgconductor.internal.schema;

import dev.pgconductor.PgConductorException;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before a breaking migration: asks the orchestrators of older schema versions to drain and stop (a
 * row in {@code pgconductor.drain_requests}: they stop claiming at once, learn of it at their next
 * heartbeat, and none of them may register while it stands), then waits for the live ones to go, at
 * most a bound. Dead ones (no heartbeat within the heartbeat timeout) are not waited for; what they
 * held is released as after a crash once the new orchestrators run. Runs on the migrating
 * connection, under the migration lock, each statement committed on its own.
 */
final class OlderOrchestrators {
  private static final Logger LOG = LoggerFactory.getLogger(OlderOrchestrators.class);
  private static final long POLL_MILLIS = 250;

  /** A live orchestrator of an older schema version. */
  record Live(String id, String host, long pid, int schemaVersion) {
    @Override
    public String toString() {
      return id + " on " + host + " (pid " + pid + ", schema version " + schemaVersion + ")";
    }
  }

  private final Connection connection;

  OlderOrchestrators(Connection connection) {
    this.connection = connection;
  }

  /**
   * Requests the drain for {@code breaking} and returns once no live orchestrator of an older
   * version is registered. Throws when the bound passes first (nothing is migrated then; the
   * request stays), or when the wait is abandoned.
   */
  void drainBefore(Migrator.Migration breaking, Migrator.Upgrade upgrade) throws SQLException {
    int version = breaking.version();
    String reason = breaking.breakingReason().orElse("");
    request(version);
    List<Live> live = live(version, upgrade.heartbeatTimeout());
    if (live.isEmpty()) {
      LOG.info(
          "Breaking pgconductor migration {} ({}): no live orchestrator of an older schema"
              + " version, nothing to wait for",
          breaking.name(),
          reason);
      return;
    }
    long started = System.nanoTime();
    long deadline = started + upgrade.drainTimeout().toNanos();
    LOG.warn(
        "Breaking pgconductor migration {} ({}) is pending: asked orchestrators of older schema"
            + " versions to drain and stop; waiting up to {} for {} orchestrator(s) of schema"
            + " version {} to stop: {}",
        breaking.name(),
        reason,
        upgrade.drainTimeout(),
        live.size(),
        versions(live),
        describe(live));
    while (true) {
      try {
        Thread.sleep(POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(
            "interrupted while waiting for older orchestrators to drain", e);
      }
      if (upgrade.abandoned().getAsBoolean()) {
        throw new IllegalStateException(
            "stopped while waiting for older orchestrators to drain before migration "
                + breaking.name());
      }
      List<Live> now = live(version, upgrade.heartbeatTimeout());
      if (now.isEmpty()) {
        LOG.info(
            "Orchestrators of older schema versions drained in {} ms; applying {}",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
            breaking.name());
        return;
      }
      if (System.nanoTime() - deadline >= 0) {
        throw new PgConductorException(timedOut(breaking, reason, upgrade.drainTimeout(), now));
      }
      if (!now.equals(live)) {
        LOG.info(
            "Still waiting for {} orchestrator(s) of schema version {} to stop: {}",
            now.size(),
            versions(now),
            describe(now));
        live = now;
      }
    }
  }

  private static String timedOut(
      Migrator.Migration breaking, String reason, Duration bound, List<Live> still) {
    return "Gave up after "
        + bound
        + " waiting for "
        + still.size()
        + " orchestrator(s) of schema version "
        + versions(still)
        + " to drain before the breaking migration "
        + breaking.name()
        + " ("
        + reason
        + "), still running: "
        + describe(still)
        + ". Nothing was migrated. The drain request stays: they claim nothing more and stop once"
        + " their running handlers end (within their shutdown grace), and no orchestrator of an"
        + " older version starts meanwhile. Start again to migrate once they are gone (a longer"
        + " bound: Orchestrator.Builder.migrationDrainTimeout), or cancel the upgrade with"
        + " 'delete from pgconductor.drain_requests where schema_version = "
        + breaking.version()
        + "'";
  }

  private void request(int version) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement("select pgconductor.request_drain(?, ?)")) {
      ps.setInt(1, version);
      ps.setString(2, hostName() + " pid " + ProcessHandle.current().pid());
      ps.execute();
    }
  }

  private List<Live> live(int below, Duration heartbeatTimeout) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            """
            select o.id::text, o.host, o.pid, o.schema_version
            from pgconductor.orchestrators o
            where o.schema_version < ?
              and o.last_heartbeat_at > now() - make_interval(secs => ?::double precision)
            order by o.started_at, o.id""")) {
      ps.setInt(1, below);
      ps.setDouble(2, heartbeatTimeout.toMillis() / 1000.0);
      List<Live> live = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          live.add(new Live(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getInt(4)));
        }
      }
      return live;
    }
  }

  private static String versions(List<Live> live) {
    return live.stream()
        .map(Live::schemaVersion)
        .collect(Collectors.toCollection(TreeSet::new))
        .stream()
        .map(String::valueOf)
        .collect(Collectors.joining(", "));
  }

  private static String describe(List<Live> live) {
    return live.stream().map(Live::toString).collect(Collectors.joining("; "));
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "unknown";
    }
  }
}
