package dev.pgconductor.spring.actuate;

import dev.pgconductor.OrchestratorInfo;
import dev.pgconductor.PgConductorException;
import dev.pgconductor.spring.OrchestratorLifecycle;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * The actuator endpoint {@code pgconductor} ({@code /actuator/pgconductor} once exposed with {@code
 * management.endpoints.web.exposure.include}): the queues with their unfinished executions by
 * state, the orchestrators registered in the database (of every process), and this application's
 * own orchestrator. Read-only; it reads no finished executions, so it stays cheap on a large
 * history.
 */
@Endpoint(id = "pgconductor")
public class PgConductorEndpoint {
  private final StatusQueries queries;
  private final OrchestratorLifecycle lifecycle;

  /**
   * @param dataSource the database to read
   * @param lifecycle this application's orchestrator, or null when it runs none
   */
  public PgConductorEndpoint(DataSource dataSource, OrchestratorLifecycle lifecycle) {
    this.queries = new StatusQueries(dataSource);
    this.lifecycle = lifecycle;
  }

  /**
   * The queues and the orchestrators.
   *
   * @throws PgConductorException when the database cannot be read
   */
  @ReadOperation
  public Report report() {
    try {
      return read();
    } catch (SQLException e) {
      throw new PgConductorException("Could not read pgconductor's status: " + e.getMessage(), e);
    }
  }

  private Report read() throws SQLException {
    OrchestratorInfo self = lifecycle == null ? null : lifecycle.info().orElse(null);
    List<Queue> queues =
        queries.queues().stream()
            .map(q -> new Queue(q.name(), q.pending(), q.due(), q.running(), q.waiting()))
            .toList();
    List<OrchestratorEntry> orchestrators =
        queries.orchestrators().stream()
            .map(
                o ->
                    new OrchestratorEntry(
                        o.id(),
                        o.host(),
                        o.pid(),
                        o.startedAt(),
                        o.lastHeartbeatAt(),
                        o.sinceHeartbeat(),
                        o.schemaVersion(),
                        self != null && self.id().equals(o.id())))
            .toList();
    return new Report(queues, orchestrators, self);
  }

  /**
   * What the endpoint returns.
   *
   * @param queues every queue with a partition or unfinished executions, by name
   * @param orchestrators the orchestrators registered in the database, oldest first
   * @param self this application's orchestrator, or null when it runs none
   */
  public record Report(
      List<Queue> queues, List<OrchestratorEntry> orchestrators, OrchestratorInfo self) {}

  /**
   * A queue's unfinished executions.
   *
   * @param name the queue
   * @param pending not started yet (due now or later, or waiting for a retry)
   * @param due pending ones whose time has come: the backlog
   * @param running claimed by a worker
   * @param waiting in a durable sleep or waiting for a child
   */
  public record Queue(String name, long pending, long due, long running, long waiting) {}

  /**
   * A registered orchestrator.
   *
   * @param id its id
   * @param host its host name
   * @param pid its JVM's process id
   * @param startedAt when it registered
   * @param lastHeartbeatAt its last heartbeat, by the database clock
   * @param sinceHeartbeat how long ago that was
   * @param schemaVersion the schema version its library knows
   * @param self whether it is this application's orchestrator
   */
  public record OrchestratorEntry(
      String id,
      String host,
      long pid,
      Instant startedAt,
      Instant lastHeartbeatAt,
      Duration sinceHeartbeat,
      int schemaVersion,
      boolean self) {}
}
