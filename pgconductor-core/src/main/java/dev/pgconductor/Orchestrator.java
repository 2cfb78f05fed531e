package dev.pgconductor;

import dev.pgconductor.internal.worker.OrchestratorRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Runs workers in this process: installs or upgrades the schema, registers itself and heartbeats,
 * starts one worker per queue, wakes them on LISTEN/NOTIFY, rescues the work of orchestrators that
 * stopped heartbeating, and stops gracefully on {@link #stop()}, on {@link #close()} or on
 * SIGTERM/SIGINT.
 *
 * <pre>{@code
 * try (Orchestrator orchestrator = Orchestrator.builder(conductor).tasks(greet).build()) {
 *   orchestrator.start();
 *   orchestrator.stopped().join();   // until SIGTERM/SIGINT, stop() or an upgrade's drain
 * }
 * }</pre>
 */
public final class Orchestrator implements AutoCloseable {
  private final OrchestratorRuntime<?> runtime;

  private Orchestrator(OrchestratorRuntime<?> runtime) {
    this.runtime = runtime;
  }

  /** A builder for an orchestrator running tasks registered with this Conductor. */
  public static Builder builder(Conductor<?> conductor) {
    return new Builder(conductor);
  }

  /**
   * Installs or upgrades the schema, registers, and starts the workers and heartbeats. Returns once
   * everything runs. An orchestrator starts once.
   *
   * <p>Before a breaking schema migration it asks the orchestrators of older versions to drain and
   * waits for them (at most {@link Builder#migrationDrainTimeout}). It refuses to start, with a
   * {@link PgConductorException}, on a database whose schema is newer than its library, and while a
   * newer version waits for older orchestrators to drain. See docs/live-migrations.md.
   */
  public void start() {
    runtime.start();
  }

  /**
   * Stops gracefully: stops fetching, lets running handlers finish within the shutdown grace
   * period, releases what is still held back to the queue, writes all outcomes, and deregisters.
   * Safe to call more than once; returns {@link #stopped()}.
   */
  public CompletableFuture<Void> stop() {
    return runtime.stop();
  }

  /**
   * Completes when the orchestrator has fully stopped: after {@link #stop()}, a signal, or a drain
   * requested by a newer version before a breaking migration (see {@link
   * ConductorListener#drainRequested}).
   */
  public CompletableFuture<Void> stopped() {
    return runtime.stopped();
  }

  /**
   * Starts (if needed), runs until no ready or running work is left on the served queues, including
   * work created while draining, then stops. Executions due later, or outside their task's time
   * window, are left alone. Meant for tests and batch jobs. Blocks.
   */
  public void drain() {
    runtime.drain(Duration.ofMillis(25), null);
  }

  /**
   * As {@link #drain()}, waiting at most {@code timeout} for the queues to drain: returns true when
   * they did, false when the timeout passed first. It stops either way, and the stop itself may
   * take up to the shutdown grace period more while running handlers finish.
   */
  public boolean drain(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    return runtime.drain(Duration.ofMillis(25), timeout);
  }

  /** Id and lifecycle state. */
  public OrchestratorInfo info() {
    return runtime.info();
  }

  /** {@link #stop()} and wait for it. */
  @Override
  public void close() {
    stop().join();
  }

  /** Builder of an {@link Orchestrator}. */
  public static final class Builder {
    private final Conductor<?> conductor;
    private final List<Task<?, ?>> tasks = new ArrayList<>();
    private final List<Worker> workers = new ArrayList<>();
    private WorkerConfig defaultWorker = WorkerConfig.DEFAULT;
    private Duration heartbeatInterval = Duration.ofSeconds(5);
    private Duration heartbeatTimeout = Duration.ofSeconds(30);
    private Duration shutdownGrace = Duration.ofSeconds(30);
    private boolean handleSignals = true;
    private Duration startupTimeout = Duration.ZERO;
    private Duration migrationDrainTimeout = Duration.ofMinutes(5);
    private boolean vacuumQueues = true;
    private final List<ConductorListener> listeners = new ArrayList<>();

    private Builder(Conductor<?> conductor) {
      this.conductor = Objects.requireNonNull(conductor, "conductor");
    }

    /**
     * Tasks served by default workers, one per queue the tasks are on (usually just "default"),
     * configured by {@link #defaultWorker}.
     */
    public Builder tasks(Task<?, ?>... tasks) {
      this.tasks.addAll(List.of(tasks));
      return this;
    }

    /** Tasks served by default workers; see {@link #tasks(Task[])}. */
    public Builder tasks(List<? extends Task<?, ?>> tasks) {
      this.tasks.addAll(tasks);
      return this;
    }

    /** Custom workers, each for one queue (from {@link Conductor#createWorker}). */
    public Builder workers(Worker... workers) {
      this.workers.addAll(List.of(workers));
      return this;
    }

    /** Config of the default workers (default {@link WorkerConfig#DEFAULT}). */
    public Builder defaultWorker(WorkerConfig config) {
      this.defaultWorker = Objects.requireNonNull(config, "config");
      return this;
    }

    /** How often this orchestrator heartbeats (default 5 s). */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeatInterval = positive("heartbeatInterval", interval);
      return this;
    }

    /**
     * After how long without a heartbeat an orchestrator counts as dead and its executions are
     * released to others (default 30 s); at least four times the interval. Judged by the database
     * clock, and only by a peer that has itself heartbeated throughout the last timeout, so an
     * outage does not make live orchestrators look dead (see docs/guarantees.md).
     */
    public Builder heartbeatTimeout(Duration timeout) {
      this.heartbeatTimeout = positive("heartbeatTimeout", timeout);
      return this;
    }

    /** How long {@link #stop()} lets running handlers finish before interrupting them (30 s). */
    public Builder shutdownGrace(Duration grace) {
      this.shutdownGrace = Objects.requireNonNull(grace, "grace");
      return this;
    }

    /** Whether SIGTERM/SIGINT (a JVM shutdown hook) stop the orchestrator (default true). */
    public Builder handleSignals(boolean handleSignals) {
      this.handleSignals = handleSignals;
      return this;
    }

    /**
     * How long {@link Orchestrator#start()} waits for a database it cannot reach (refused or lost
     * connections, a server starting up), trying again with a logged backoff of up to 5 s; any
     * other error still fails the start at once. Default zero: an unreachable database fails the
     * start at once, as {@link Conductor#ensureInstalled()} always does. Set it where a supervisor
     * or Kubernetes starts the process together with its database.
     */
    public Builder startupTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("startupTimeout must not be negative, got " + timeout);
      }
      this.startupTimeout = timeout;
      return this;
    }

    /**
     * How long {@link Orchestrator#start()} waits, when it brings a breaking schema migration, for
     * the live orchestrators of older versions to drain and stop before it migrates (default 5
     * minutes). They stop within their own shutdown grace, so make this longer than theirs. When it
     * passes first, the start fails with an error naming the orchestrators still running, and
     * nothing is migrated. See docs/live-migrations.md.
     */
    public Builder migrationDrainTimeout(Duration timeout) {
      this.migrationDrainTimeout = positive("migrationDrainTimeout", timeout);
      return this;
    }

    /**
     * Whether this orchestrator vacuums the tables of its queues itself when dead rows pile up
     * (default true). Every execution leaves two dead row versions behind; on a busy queue they
     * gather faster than autovacuum comes back (once per {@code autovacuum_naptime}, a minute by
     * default), and claims slow down as the table grows. Every two seconds the orchestrator reads
     * the server's statistics for its queues' partitions and runs {@code VACUUM} on those with
     * 50,000 dead row versions or more (plus a tenth of their live rows). It needs a database user
     * that owns the tables (the one that installed the schema, as a rule); with another it says so
     * once per queue and leaves them to autovacuum. Turn it off where the server's autovacuum is
     * tuned for the queues already. See docs/performance.md.
     */
    public Builder vacuumQueues(boolean vacuumQueues) {
      this.vacuumQueues = vacuumQueues;
      return this;
    }

    /**
     * A listener of this orchestrator's work (in addition to the Conductor's listeners); may be
     * called more than once. See {@link ConductorListener}.
     */
    public Builder listener(ConductorListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** The orchestrator; the settings are checked here. */
    public Orchestrator build() {
      // a rescuer's beats must come less than timeout - 2 intervals apart (see guarantees.md)
      if (heartbeatTimeout.compareTo(heartbeatInterval.multipliedBy(4)) < 0) {
        throw new IllegalArgumentException(
            "heartbeatTimeout ("
                + heartbeatTimeout
                + ") must be at least four times the heartbeatInterval ("
                + heartbeatInterval
                + ")");
      }
      Map<String, List<Task<?, ?>>> byQueue = new LinkedHashMap<>();
      for (Task<?, ?> task : tasks) {
        byQueue.computeIfAbsent(task.options().queue(), q -> new ArrayList<>()).add(task);
      }
      List<Worker> all = new ArrayList<>();
      byQueue.forEach((queue, list) -> all.add(new Worker(queue, list, defaultWorker)));
      all.addAll(workers);
      Set<String> queues = new HashSet<>();
      Set<String> names = new HashSet<>();
      for (Worker worker : all) {
        if (!queues.add(worker.queue())) {
          throw new IllegalArgumentException(
              "queue '"
                  + worker.queue()
                  + "' has two workers in this orchestrator; give each"
                  + " queue one worker with all its tasks");
        }
        for (Task<?, ?> task : worker.tasks()) {
          if (!names.add(task.name())) {
            throw new IllegalArgumentException(
                "task '" + task.name() + "' is given to this orchestrator twice");
          }
          if (conductor.tasks().registered(task.name()).orElse(null) != task) {
            throw new IllegalArgumentException(
                "task '" + task.name() + "' was not created by this orchestrator's Conductor");
          }
        }
      }
      return new Orchestrator(runtime(conductor, all));
    }

    private <C> OrchestratorRuntime<C> runtime(Conductor<C> conductor, List<Worker> workers) {
      return new OrchestratorRuntime<>(
          conductor.db(),
          conductor.migrator(),
          conductor.tasks(),
          conductor.json(),
          conductor.context(),
          conductor.taskLogger(),
          workers,
          new OrchestratorRuntime.Settings(
              heartbeatInterval,
              heartbeatTimeout,
              shutdownGrace,
              handleSignals,
              startupTimeout,
              migrationDrainTimeout,
              vacuumQueues),
          conductor.listeners().with(List.copyOf(listeners)),
          conductor.eventEmitter(),
          conductor.tracing());
    }

    private static Duration positive(String what, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
