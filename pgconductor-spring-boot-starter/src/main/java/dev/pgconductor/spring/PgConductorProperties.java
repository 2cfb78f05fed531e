package dev.pgconductor.spring;

import dev.pgconductor.WorkerConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code pgconductor.*} properties of the Spring Boot starter. Every duration takes Spring's
 * forms ({@code 500ms}, {@code 5s}, {@code 2m}, or an ISO-8601 {@code PT5S}).
 *
 * <pre>
 * pgconductor.install-schema=true
 * pgconductor.orchestrator.shutdown-grace=20s
 * pgconductor.worker.concurrency=10
 * pgconductor.workers.mail.concurrency=2
 * </pre>
 */
@ConfigurationProperties("pgconductor")
public class PgConductorProperties {

  /**
   * Whether the auto-configured Conductor creates or upgrades the pgconductor schema when the
   * application starts. Off, nothing is installed at start-up; an orchestrator still installs or
   * upgrades the schema when it starts, as it always does.
   */
  private boolean installSchema = true;

  private final Pool pool = new Pool();

  private final Orchestrator orchestrator = new Orchestrator();

  private final Worker worker = new Worker();

  /**
   * Worker settings of one queue, by queue name; a setting left out takes its value from {@code
   * pgconductor.worker.*}.
   */
  private final Map<String, QueueWorker> workers = new LinkedHashMap<>();

  public boolean isInstallSchema() {
    return installSchema;
  }

  public void setInstallSchema(boolean installSchema) {
    this.installSchema = installSchema;
  }

  public Pool getPool() {
    return pool;
  }

  public Orchestrator getOrchestrator() {
    return orchestrator;
  }

  public Worker getWorker() {
    return worker;
  }

  public Map<String, QueueWorker> getWorkers() {
    return workers;
  }

  /** The worker settings of a queue: its own where given, else the defaults of {@link #worker}. */
  public WorkerConfig workerConfig(String queue) {
    QueueWorker own = workers.get(queue);
    WorkerConfig defaults = worker.toConfig();
    if (own == null) {
      return defaults;
    }
    return new WorkerConfig(
        own.getConcurrency() != null ? own.getConcurrency() : defaults.concurrency(),
        own.getPollInterval() != null ? own.getPollInterval() : defaults.pollInterval(),
        own.getFlushInterval() != null ? own.getFlushInterval() : defaults.flushInterval(),
        own.getFetchBatchSize() != null ? own.getFetchBatchSize() : defaults.fetchBatchSize());
  }

  /** The connections pgconductor's own work uses. */
  public static class Pool {

    /**
     * Size of a connection pool of pgconductor's own, to the application's database (same URL and
     * credentials). Unset, the Conductor shares the application's DataSource: size that pool for
     * the orchestrator too (one connection held for LISTEN, plus the workers' fetches, writes and
     * transactional steps).
     */
    private Integer size;

    public Integer getSize() {
      return size;
    }

    public void setSize(Integer size) {
      this.size = size;
    }
  }

  /** The orchestrator that runs the application's Task beans. */
  public static class Orchestrator {

    /**
     * Whether an orchestrator runs the application's Task beans in this process. Off for a service
     * that only invokes.
     */
    private boolean enabled = true;

    /** How often the orchestrator heartbeats. */
    private Duration heartbeatInterval = Duration.ofSeconds(5);

    /**
     * After how long without a heartbeat an orchestrator counts as dead; at least four times the
     * interval. The health indicator calls a heartbeat older than this stale.
     */
    private Duration heartbeatTimeout = Duration.ofSeconds(30);

    /**
     * How long a stop lets running handlers finish before interrupting them. Keep it a few seconds
     * below spring.lifecycle.timeout-per-shutdown-phase (30 s by default).
     */
    private Duration shutdownGrace = Duration.ofSeconds(20);

    /** How long the start waits for a database it cannot reach; zero fails at once. */
    private Duration startupTimeout = Duration.ZERO;

    /**
     * How long the start waits for older orchestrators to drain before a breaking schema migration.
     */
    private Duration migrationDrainTimeout = Duration.ofMinutes(5);

    /** Whether the orchestrator vacuums its queues' tables itself when dead rows pile up. */
    private boolean vacuumQueues = true;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public Duration getHeartbeatInterval() {
      return heartbeatInterval;
    }

    public void setHeartbeatInterval(Duration heartbeatInterval) {
      this.heartbeatInterval = heartbeatInterval;
    }

    public Duration getHeartbeatTimeout() {
      return heartbeatTimeout;
    }

    public void setHeartbeatTimeout(Duration heartbeatTimeout) {
      this.heartbeatTimeout = heartbeatTimeout;
    }

    public Duration getShutdownGrace() {
      return shutdownGrace;
    }

    public void setShutdownGrace(Duration shutdownGrace) {
      this.shutdownGrace = shutdownGrace;
    }

    public Duration getStartupTimeout() {
      return startupTimeout;
    }

    public void setStartupTimeout(Duration startupTimeout) {
      this.startupTimeout = startupTimeout;
    }

    public Duration getMigrationDrainTimeout() {
      return migrationDrainTimeout;
    }

    public void setMigrationDrainTimeout(Duration migrationDrainTimeout) {
      this.migrationDrainTimeout = migrationDrainTimeout;
    }

    public boolean isVacuumQueues() {
      return vacuumQueues;
    }

    public void setVacuumQueues(boolean vacuumQueues) {
      this.vacuumQueues = vacuumQueues;
    }
  }

  /** Worker settings for every queue that has none of its own. */
  public static class Worker {

    /** Handlers running at once, per queue. */
    private int concurrency = 10;

    /** How often an idle worker looks for work when no notification arrives. */
    private Duration pollInterval = Duration.ofSeconds(1);

    /** Longest time a finished execution's outcome waits in memory before it is written. */
    private Duration flushInterval = Duration.ofSeconds(2);

    /** Executions claimed in one round trip. */
    private int fetchBatchSize = 10;

    public int getConcurrency() {
      return concurrency;
    }

    public void setConcurrency(int concurrency) {
      this.concurrency = concurrency;
    }

    public Duration getPollInterval() {
      return pollInterval;
    }

    public void setPollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
    }

    public Duration getFlushInterval() {
      return flushInterval;
    }

    public void setFlushInterval(Duration flushInterval) {
      this.flushInterval = flushInterval;
    }

    public int getFetchBatchSize() {
      return fetchBatchSize;
    }

    public void setFetchBatchSize(int fetchBatchSize) {
      this.fetchBatchSize = fetchBatchSize;
    }

    WorkerConfig toConfig() {
      return new WorkerConfig(concurrency, pollInterval, flushInterval, fetchBatchSize);
    }
  }

  /** Worker settings of one queue; what is left out comes from {@code pgconductor.worker.*}. */
  public static class QueueWorker {

    /** Handlers running at once on this queue. */
    private Integer concurrency;

    /** How often this queue's idle worker looks for work when no notification arrives. */
    private Duration pollInterval;

    /** Longest time a finished execution's outcome waits in memory before it is written. */
    private Duration flushInterval;

    /** Executions of this queue claimed in one round trip. */
    private Integer fetchBatchSize;

    public Integer getConcurrency() {
      return concurrency;
    }

    public void setConcurrency(Integer concurrency) {
      this.concurrency = concurrency;
    }

    public Duration getPollInterval() {
      return pollInterval;
    }

    public void setPollInterval(Duration pollInterval) {
      this.pollInterval = pollInterval;
    }

    public Duration getFlushInterval() {
      return flushInterval;
    }

    public void setFlushInterval(Duration flushInterval) {
      this.flushInterval = flushInterval;
    }

    public Integer getFetchBatchSize() {
      return fetchBatchSize;
    }

    public void setFetchBatchSize(Integer fetchBatchSize) {
      this.fetchBatchSize = fetchBatchSize;
    }
  }
}
