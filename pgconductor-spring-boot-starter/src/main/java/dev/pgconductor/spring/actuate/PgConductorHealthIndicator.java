package dev.pgconductor.spring.actuate;

import dev.pgconductor.OrchestratorInfo;
import dev.pgconductor.spring.OrchestratorLifecycle;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of pgconductor in this application, as {@code /actuator/health/pgconductor}:
 *
 * <ul>
 *   <li><b>database</b>: the database answers and the {@code pgconductor} schema is there; else
 *       DOWN;
 *   <li><b>orchestrator</b>: this application's orchestrator runs (when the application has tasks
 *       and the orchestrator is enabled); one that stopped, for instance because a newer version
 *       asked it to drain, is DOWN;
 *   <li><b>heartbeat</b>: its row in {@code pgconductor.orchestrators} exists and its last
 *       heartbeat, by the database clock, is younger than {@code
 *       pgconductor.orchestrator.heartbeat-timeout}; otherwise DOWN (its peers may already have
 *       declared it dead and taken its work back).
 * </ul>
 *
 * An application that only invokes (no orchestrator) is UP while the database is reachable.
 */
public class PgConductorHealthIndicator extends AbstractHealthIndicator {
  private final StatusQueries queries;
  private final OrchestratorLifecycle lifecycle;

  /**
   * @param dataSource the database to read
   * @param lifecycle this application's orchestrator, or null when it runs none
   */
  public PgConductorHealthIndicator(DataSource dataSource, OrchestratorLifecycle lifecycle) {
    super("pgconductor health check failed");
    this.queries = new StatusQueries(dataSource);
    this.lifecycle = lifecycle;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) throws Exception {
    queries.ping();
    builder.withDetail("database", "reachable");
    Optional<OrchestratorInfo> info =
        lifecycle == null ? Optional.empty() : lifecycle.info().filter(i -> lifecycle.isStarted());
    if (info.isEmpty()) {
      builder.up().withDetail("orchestrator", "none in this application");
      return;
    }
    OrchestratorInfo o = info.get();
    builder.withDetail("orchestrator", o);
    if (!o.running()) {
      builder.down().withDetail("reason", "the orchestrator is not running");
      return;
    }
    Optional<Duration> age = queries.heartbeatAge(o.id());
    Duration timeout = lifecycle.heartbeatTimeout();
    if (age.isEmpty()) {
      builder
          .down()
          .withDetail("reason", "the orchestrator is not registered (declared dead by its peers?)");
    } else if (age.get().compareTo(timeout) >= 0) {
      builder
          .down()
          .withDetail("sinceHeartbeat", age.get().toString())
          .withDetail("reason", "last heartbeat older than the heartbeat timeout " + timeout);
    } else {
      builder.up().withDetail("sinceHeartbeat", age.get().toString());
    }
  }
}
