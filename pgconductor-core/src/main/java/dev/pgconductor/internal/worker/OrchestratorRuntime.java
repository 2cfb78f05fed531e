package dev.pgconductor.internal.worker;

import dev.pgconductor.ConductorListener;
import dev.pgconductor.MaintenanceReport;
import dev.pgconductor.OrchestratorInfo;
import dev.pgconductor.Task;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSignal;
import dev.pgconductor.Worker;
import dev.pgconductor.internal.db.Db;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.OrchestratorStore;
import dev.pgconductor.internal.db.SqlErrors;
import dev.pgconductor.internal.event.EventEmitter;
import dev.pgconductor.internal.json.JsonCodec;
import dev.pgconductor.internal.listen.Listeners;
import dev.pgconductor.internal.listen.Tracing;
import dev.pgconductor.internal.maintenance.Maintenance;
import dev.pgconductor.internal.maintenance.QueueVacuum;
import dev.pgconductor.internal.schedule.DynamicSchedules;
import dev.pgconductor.internal.schema.Migrator;
import dev.pgconductor.internal.task.TaskRegistry;
import dev.pgconductor.internal.util.UuidV7;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The machinery behind {@code Orchestrator}: registration, heartbeats, rescue of dead peers, the
 * LISTEN connection, the workers, and the ordered, idempotent stop.
 */
public final class OrchestratorRuntime<C> {
  private static final Logger LOG = LoggerFactory.getLogger(OrchestratorRuntime.class);

  /** Lifecycle phases; only ever move forward. */
  private enum Phase {
    NEW,
    RUNNING,
    STOPPING,
    STOPPED
  }

  /**
   * How an orchestrator heartbeats and stops.
   *
   * @param heartbeatInterval how often it heartbeats
   * @param heartbeatTimeout after how long without a heartbeat an orchestrator counts as dead
   * @param shutdownGrace how long a stop lets running handlers finish before interrupting them
   * @param handleSignals whether a JVM shutdown hook stops it
   * @param startupTimeout how long a start waits for an unreachable database (zero: not at all)
   * @param migrationDrainTimeout how long a start that brings a breaking migration waits for
   *     orchestrators of older versions to drain
   */
  public record Settings(
      Duration heartbeatInterval,
      Duration heartbeatTimeout,
      Duration shutdownGrace,
      boolean handleSignals,
      Duration startupTimeout,
      Duration migrationDrainTimeout,
      boolean vacuumQueues) {}

  /** How often the partitions of the served queues are looked at for dead rows to vacuum. */
  private static final long VACUUM_CHECK_MILLIS = 2_000;

  /** Every this many heartbeats, look for ready executions of tasks nobody runs. */
  private static final int UNSERVED_EVERY_BEATS = 12;

  private static final long MAX_STARTUP_BACKOFF_MILLIS = 5_000;

  /** When the last heartbeat call returned (System.nanoTime), 0 before the first. */
  private volatile long lastBeatNanos;

  /** How long a start step is tried again on connection problems when startupTimeout is less. */
  private static final Duration START_STEP_RETRY_WINDOW = Duration.ofSeconds(5);

  private final Db db;
  private final Migrator migrator;
  private final OrchestratorStore store;
  private final ExecutionStore executions;
  private final RunEnvironment<C> environment;
  private final UUID id = UuidV7.next();
  // every thread of this orchestrator is named "pgconductor-<last 8 hex digits of its id>-<role>"
  private final String threadPrefix = "pgconductor-" + id.toString().substring(28) + "-";
  private final Listeners listeners;
  private final Liveness liveness;
  private final ScheduleKeeper schedules;
  private final List<Worker> workers;
  private final Duration heartbeatInterval;
  private final Duration heartbeatTimeout;
  private final Duration shutdownGrace;
  private final boolean handleSignals;
  private final Duration startupTimeout;
  private final Duration migrationDrainTimeout;
  private volatile boolean draining; // a newer version asked it to drain: it is stopping
  private final Object lifecycle = new Object(); // start and shutdown run one after the other
  private boolean shutDown; // guarded by lifecycle
  private boolean registered; // guarded by lifecycle
  private volatile boolean workersStarted; // written under lifecycle
  private final List<java.util.Map.Entry<String, java.time.Instant>> earlyDueTimes =
      new ArrayList<>();
  private int beats; // heartbeat thread only
  private final java.util.Set<List<String>> unservedLogged =
      new java.util.HashSet<>(); // heartbeat thread
  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.NEW);
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private final Map<String, WorkerRunner<C>> runners = new LinkedHashMap<>();
  private StepWriter stepWriter;
  private ScheduledExecutorService heartbeat;
  private ScheduledExecutorService timers;
  private java.util.concurrent.ExecutorService maintenanceRuns; // one queue's run at a time
  private final Maintenance maintenance;
  private final QueueVacuum queueVacuum; // null: left to autovacuum
  private ScheduledExecutorService vacuums;
  private boolean vacuumFailing; // vacuum thread only
  private NotificationListener listener;
  private Thread listenerThread;
  private Thread shutdownHook;
  private List<OrchestratorStore.Served> served = List.of();

  public OrchestratorRuntime(
      Db db,
      Migrator migrator,
      TaskRegistry tasks,
      JsonCodec json,
      C context,
      Logger taskLogger,
      List<Worker> workers,
      Settings settings,
      Listeners listeners,
      EventEmitter events,
      Tracing tracing) {
    this.db = db;
    this.migrator = migrator;
    this.store = new OrchestratorStore(db);
    this.liveness = new Liveness(settings.heartbeatTimeout());
    this.schedules = new ScheduleKeeper(store, db, workers, this::dueAt);
    this.executions = new ExecutionStore(db);
    this.maintenance = new Maintenance(db);
    this.queueVacuum = settings.vacuumQueues() ? new QueueVacuum(db) : null;
    this.environment =
        new RunEnvironment<>(
            json,
            context,
            taskLogger,
            tasks,
            executions,
            db,
            listeners,
            settings.heartbeatTimeout(),
            liveness,
            new DynamicSchedules(db, tasks),
            events,
            tracing);
    this.listeners = listeners;
    this.workers = List.copyOf(workers);
    this.heartbeatInterval = settings.heartbeatInterval();
    this.heartbeatTimeout = settings.heartbeatTimeout();
    this.shutdownGrace = settings.shutdownGrace();
    this.handleSignals = settings.handleSignals();
    this.startupTimeout = settings.startupTimeout();
    this.migrationDrainTimeout = settings.migrationDrainTimeout();
  }

  public String id() {
    return id.toString();
  }

  public OrchestratorInfo info() {
    Phase p = phase.get();
    return new OrchestratorInfo(
        id.toString(), p == Phase.RUNNING, p == Phase.STOPPING, p == Phase.STOPPED);
  }

  public CompletableFuture<Void> stopped() {
    return stopped;
  }

  /**
   * Starts: waits for the database if asked, installs the schema, registers the tasks and the
   * orchestrator, starts the heartbeat, the listener and the workers. A stop requested meanwhile (a
   * signal) ends the start and undoes what it did.
   */
  public void start() {
    synchronized (lifecycle) {
      if (!phase.compareAndSet(Phase.NEW, Phase.RUNNING)) {
        throw new IllegalStateException(
            "orchestrator " + id + " was already started; create a new one to start again");
      }
      if (handleSignals) {
        // first, so that a signal during the start stops whatever the start registered
        shutdownHook =
            new Thread(
                () -> {
                  LOG.info("Shutdown signal: stopping orchestrator {}", id);
                  stop().join();
                },
                threadPrefix + "shutdown-hook");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
      }
      try {
        awaitDatabase();
        List<OrchestratorStore.TaskRow> rows = new ArrayList<>();
        List<OrchestratorStore.Served> served = new ArrayList<>();
        for (Worker worker : workers) {
          for (Task<?, ?> task : worker.tasks()) {
            rows.add(
                new OrchestratorStore.TaskRow(
                    task.name(),
                    worker.queue(),
                    task.options().maxAttempts(),
                    task.isInvocable(),
                    task.options().concurrency().isPresent()
                        ? task.options().concurrency().getAsInt()
                        : null,
                    task.options().freesDedupeKeyOnFinish(),
                    task.options().completedRetention().duration().orElse(null),
                    task.options().failedRetention().duration().orElse(null),
                    task.options().window().orElse(null),
                    task.options().batch().map(TaskOptions.Batch::size).orElse(null)));
            served.add(new OrchestratorStore.Served(worker.queue(), task.name()));
          }
        }
        // Each registration step is idempotent, so a connection problem in one (a lost answer, a
        // dropped connection) is retried rather than failing the start.
        if (!rows.isEmpty()) {
          retryStartStep("registering the tasks", () -> store.registerTasks(rows));
        }
        retryStartStep("registering the schedules", schedules::register);
        retryStartStep("registering the event subscriptions", this::registerSubscriptions);
        retryStartStep("registering the row-change triggers", this::registerRowTriggers);
        retryStartStep(
            "filling the schedules",
            () -> {
              try {
                schedules.fill(); // dynamic schedules made while no orchestrator ran their task
              } catch (java.sql.SQLException e) {
                throw new dev.pgconductor.PgConductorException(
                    "Could not create the pending occurrences of schedules: " + e.getMessage(), e);
              }
            });
        this.served = List.copyOf(served);
        stillStarting();
        // Executions of dead orchestrators are released by the heartbeats of live ones, once a
        // rescuer has been live for a whole timeout (see pgconductor.rescue); an execution is only
        // ever held by a registered orchestrator, so there is no sweep at start.
        Integer[] drainTo = new Integer[1];
        long[] registerSent = new long[1];
        retryStartStep(
            "registering the orchestrator",
            () -> {
              liveness.registering();
              registerSent[0] = System.nanoTime();
              drainTo[0] =
                  store.register(
                      id, hostName(), ProcessHandle.current().pid(), this.served, schemaVersion());
            });
        if (drainTo[0] != null) {
          throw new dev.pgconductor.PgConductorException(
              "Orchestrator "
                  + id
                  + " may not start: its pgconductor knows schema version "
                  + schemaVersion()
                  + ", and a newer version (schema version "
                  + drainTo[0]
                  + ") asked the orchestrators of older versions to drain and stop before a"
                  + " breaking migration. Run this application with that newer version (see"
                  + " docs/live-migrations.md)");
        }
        liveness.beat(registerSent[0]);
        registered = true;
        stillStarting();
        stepWriter = new StepWriter(executions, id, threadPrefix + "step-writer");
        timers =
            Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(threadPrefix + "timeouts").daemon().factory());
        for (Worker worker : workers) {
          retryStartStep(
              "creating queue " + worker.queue(), () -> store.ensureQueue(worker.queue()));
          runners.put(
              worker.queue(),
              new WorkerRunner<>(environment, store, id, worker, stepWriter, timers, threadPrefix));
        }
        maintenanceRuns =
            Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name(threadPrefix + "maintenance").daemon().factory());
        stillStarting();
        heartbeat =
            Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name(threadPrefix + "heartbeat").daemon().factory());
        heartbeat.scheduleWithFixedDelay(
            this::beat,
            heartbeatInterval.toMillis(),
            heartbeatInterval.toMillis(),
            TimeUnit.MILLISECONDS);
        listener = new NotificationListener(db.dataSource(), runners, this::cancelRunning);
        listenerThread =
            Thread.ofPlatform().name(threadPrefix + "listener").daemon().start(listener);
        runners.values().forEach(WorkerRunner::start);
        if (queueVacuum != null) {
          vacuums =
              Executors.newSingleThreadScheduledExecutor(
                  Thread.ofPlatform().name(threadPrefix + "vacuum").daemon().factory());
          vacuums.scheduleWithFixedDelay(
              this::vacuumQueues, VACUUM_CHECK_MILLIS, VACUUM_CHECK_MILLIS, TimeUnit.MILLISECONDS);
        }
        synchronized (earlyDueTimes) {
          workersStarted = true;
          earlyDueTimes.forEach(e -> dueAt(e.getKey(), e.getValue()));
          earlyDueTimes.clear();
        }
        if (listeners.active()) {
          var event =
              new ConductorListener.OrchestratorStarted(
                  id.toString(), List.copyOf(runners.keySet()));
          listeners.fire(l -> l.orchestratorStarted(event));
        }
        LOG.info(
            "Orchestrator {} started: queues {}, heartbeat every {} (timeout {})",
            id,
            runners.keySet(),
            heartbeatInterval,
            heartbeatTimeout);
      } catch (RuntimeException e) {
        LOG.error("Orchestrator {} failed to start: {}", id, e.getMessage());
        phase.compareAndSet(Phase.RUNNING, Phase.STOPPING);
        shutdown(); // here, on this thread: a stop requested meanwhile finds it done
        throw e;
      }
    }
  }

  /** The event subscriptions of the served tasks, as the code declares them. */
  private void registerSubscriptions() {
    List<String> served = new ArrayList<>();
    List<OrchestratorStore.Subscription> subscriptions = new ArrayList<>();
    for (Worker worker : workers) {
      for (Task<?, ?> task : worker.tasks()) {
        served.add(task.name());
        for (dev.pgconductor.Trigger trigger : task.triggers()) {
          if (trigger instanceof dev.pgconductor.Trigger.Event sub) {
            subscriptions.add(
                new OrchestratorStore.Subscription(
                    sub.event().name(), task.name(), sub.fields(), sub.condition()));
          }
        }
      }
    }
    if (!served.isEmpty()) {
      store.registerSubscriptions(served, subscriptions);
    }
  }

  /**
   * The row-change triggers of the served tasks, as the code declares them, then the Postgres
   * triggers made to match. The two are separate transactions: when this role may not create
   * triggers, what the code declares stays registered for an operator to apply.
   */
  private void registerRowTriggers() {
    List<String> served = new ArrayList<>();
    List<OrchestratorStore.RowTrigger> triggers = new ArrayList<>();
    for (Worker worker : workers) {
      for (Task<?, ?> task : worker.tasks()) {
        served.add(task.name());
        for (dev.pgconductor.Trigger trigger : task.triggers()) {
          if (trigger instanceof dev.pgconductor.Trigger.RowChange change) {
            triggers.add(
                new OrchestratorStore.RowTrigger(
                    task.name(),
                    change.schema(),
                    change.table(),
                    change.operation().sqlName(),
                    change.columns(),
                    change.condition()));
          }
        }
      }
    }
    if (served.isEmpty()) {
      return;
    }
    store.registerRowTriggers(served, triggers);
    try {
      for (var applied : store.applyRowTriggers()) {
        LOG.info(
            "Row-change trigger {} {} on {}{}",
            applied.trigger(),
            applied.action(),
            applied.table(),
            applied.task() == null ? "" : " (task '" + applied.task() + "')");
      }
    } catch (java.sql.SQLException e) {
      if ("42501".equals(e.getSQLState())) {
        throw new dev.pgconductor.PgConductorException(
            "This database role may not create or drop the row-change triggers of the tasks: "
                + e.getMessage()
                + ". Grant it the TRIGGER privilege on the tables (dropping a trigger needs the"
                + " table's owner), or have a role that may run"
                + " 'select * from pgconductor.apply_row_triggers()' before starting again",
            e);
      }
      throw new dev.pgconductor.PgConductorException(
          "Could not install the row-change triggers: " + e.getMessage(), e);
    }
  }

  /** A stop was requested while starting (a signal): the start ends here. */
  private void stillStarting() {
    if (phase.get() != Phase.RUNNING) {
      throw new IllegalStateException("orchestrator " + id + " was stopped while it started");
    }
  }

  /**
   * Installs or checks the schema. With a startup timeout, an unreachable database is waited for
   * with a logged backoff; any other error, or the timeout passing, fails the start.
   */
  private void awaitDatabase() {
    retrying(
        "the database cannot be reached",
        startupTimeout,
        () ->
            migrator.ensureInstalled(
                new Migrator.Upgrade(
                    migrationDrainTimeout, heartbeatTimeout, () -> phase.get() != Phase.RUNNING)));
  }

  /**
   * Runs one idempotent step of the start after the schema check: the database answered a moment
   * ago, so a connection problem here is a blip (or a lost answer) and is tried again for the
   * startup timeout, and at least {@link #START_STEP_RETRY_WINDOW}.
   */
  private void retryStartStep(String what, Runnable step) {
    Duration window =
        startupTimeout.compareTo(START_STEP_RETRY_WINDOW) > 0
            ? startupTimeout
            : START_STEP_RETRY_WINDOW;
    retrying(what + " met a connection problem", window, step);
  }

  /**
   * Runs {@code step}, trying again with a logged backoff (250 ms doubling up to 5 s) while it
   * fails on a connection problem and {@code window} has not passed; any other error, or one after
   * the window, is thrown. A stop requested meanwhile ends the start.
   */
  private void retrying(String problem, Duration window, Runnable step) {
    long deadline = System.nanoTime() + window.toNanos();
    long backoff = 250;
    while (true) {
      try {
        step.run();
        return;
      } catch (RuntimeException e) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (!SqlErrors.isConnectionProblem(e) || left <= 0) {
          throw e;
        }
        long wait = Math.min(backoff, left);
        LOG.warn(
            "Orchestrator {}: {} ({}); trying again in {} ms, for {} ms more",
            id,
            problem,
            e.getMessage(),
            wait,
            left);
        try {
          Thread.sleep(wait);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while starting: " + problem, e);
        }
        stillStarting();
        backoff = Math.min(backoff * 2, MAX_STARTUP_BACKOFF_MILLIS);
      }
    }
  }

  /** Starts stopping (once) and returns a future that completes when fully stopped. */
  public CompletableFuture<Void> stop() {
    Phase p = phase.get();
    while (p == Phase.NEW || p == Phase.RUNNING) {
      if (phase.compareAndSet(p, Phase.STOPPING)) {
        if (p == Phase.NEW) {
          phase.set(Phase.STOPPED);
          stopped.complete(null);
        } else {
          // waits for a start in progress to end (it notices the stop and undoes itself)
          Thread.ofPlatform().name(threadPrefix + "stop").start(this::shutdown);
        }
        break;
      }
      p = phase.get();
    }
    return stopped;
  }

  /**
   * Runs until no ready or running work is left on the served queues, then stops; returns false
   * when the timeout (null: none) passed first. It stops all the same.
   */
  public boolean drain(Duration pollEvery, Duration timeout) {
    if (phase.get() == Phase.NEW) {
      start();
    }
    List<String> queues = List.copyOf(runners.keySet());
    List<String> tasks = runners.values().stream().flatMap(r -> r.taskNames().stream()).toList();
    long deadline = timeout == null ? 0 : System.nanoTime() + timeout.toNanos();
    boolean drained = false;
    try {
      while (phase.get() == Phase.RUNNING
          && (timeout == null || System.nanoTime() - deadline < 0)) {
        boolean localIdle = runners.values().stream().allMatch(WorkerRunner::isIdle);
        if (localIdle && !store.hasActiveWork(queues, tasks)) {
          drained = true;
          break;
        }
        runners.values().forEach(WorkerRunner::wake);
        Thread.sleep(pollEvery.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      stop().join();
    }
    return drained;
  }

  /** Stops everything the start made, once; after a start in progress has ended. */
  private void shutdown() {
    synchronized (lifecycle) {
      if (!shutDown) {
        shutDown = true;
        shutdownNow();
      }
    }
  }

  private void shutdownNow() {
    try {
      LOG.info("Orchestrator {} stopping", id);
      if (listener != null) {
        listener.stop();
      }
      if (workersStarted) {
        stopWorkers();
      }
      if (heartbeat != null) {
        heartbeat.shutdownNow();
      }
      if (stepWriter != null) {
        stepWriter.close();
      }
      if (timers != null) {
        timers.shutdownNow();
      }
      if (maintenanceRuns != null) {
        maintenanceRuns.shutdownNow(); // a run in progress stops after its current batch
      }
      if (vacuums != null) {
        vacuums.shutdownNow();
        queueVacuum.cancel(); // a VACUUM in progress is cancelled on the server; nothing waits
      }
      joinQuietly(listenerThread);
      if (registered) {
        int released = store.deregister(id);
        if (released > 0) {
          LOG.info(
              "Released {} executions whose handlers still ran (or ended them, if cancelled)",
              released);
        }
      }
      LOG.info("Orchestrator {} stopped", id);
      if (listeners.active()) {
        var event = new ConductorListener.OrchestratorStopped(id.toString());
        listeners.fire(l -> l.orchestratorStopped(event));
      }
    } catch (RuntimeException e) {
      LOG.error("Orchestrator {} did not stop cleanly: {}", id, e.getMessage(), e);
    } finally {
      removeShutdownHook();
      phase.set(Phase.STOPPED);
      stopped.complete(null);
    }
  }

  /**
   * Work on a queue becomes due at a time no notification marks; its worker wakes up then. Before
   * the workers exist (during the start), the times wait for them.
   */
  private void dueAt(String queue, java.time.Instant at) {
    synchronized (earlyDueTimes) {
      WorkerRunner<C> runner = runners.get(queue);
      if (runner == null || !workersStarted) {
        earlyDueTimes.add(java.util.Map.entry(queue, at));
        return;
      }
      runner.dueAt(at);
    }
  }

  /** A cancellation notification: abort the run if it is here. */
  private void cancelRunning(UUID executionId) {
    for (WorkerRunner<C> runner : runners.values()) {
      runner.abort(executionId, TaskSignal.Reason.CANCELLED);
    }
  }

  /** Stops all workers together: one grace period for all, then interrupts, then flushes. */
  private void stopWorkers() {
    runners.values().forEach(WorkerRunner::beginStop);
    long deadline = System.nanoTime() + shutdownGrace.toNanos();
    boolean done = runners.values().stream().allMatch(r -> r.awaitHandlers(deadline));
    if (!done) {
      runners.values().forEach(WorkerRunner::interruptHandlers);
      long interrupted = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      runners.values().forEach(r -> r.awaitHandlers(interrupted));
    }
    runners.values().forEach(WorkerRunner::finishStop);
  }

  /**
   * One heartbeat, committed on its own; then, in a transaction of its own, the rescue of dead
   * peers; now and then, a look for executions of tasks nobody runs.
   */
  private void beat() {
    try {
      if (runners.values().stream().anyMatch(r -> !r.runningIds().isEmpty())) {
        // fallback for a missed cancellation notification
        executions.cancelRequests(id).keySet().forEach(this::cancelRunning);
      }
      long called = System.nanoTime();
      OrchestratorStore.Beat beat = store.heartbeat(id, heartbeatTimeout, heartbeatInterval);
      noteLateBeat(called);
      if (draining) {
        // it only keeps its row live while the drain ends: no rescue, no registering again
        if (!beat.alive()) {
          liveness.registering(); // what was claimed before is void: peers took it over
        }
        liveness.beat(called);
        return;
      }
      Integer drainTo = beat.drainTo();
      if (!beat.alive()) {
        LOG.warn(
            "Orchestrator {} was declared dead by a peer (no heartbeat for {}); registering"
                + " again. Work it held was given to others; its late results are discarded.",
            id,
            heartbeatTimeout);
        liveness.registering(); // what was claimed before is void: peers took it over
        drainTo =
            store.register(id, hostName(), ProcessHandle.current().pid(), served, schemaVersion());
      }
      if (drainTo != null) {
        drainForUpgrade(drainTo); // first: it may void the runs that wait for this beat
        liveness.beat(called);
        return;
      }
      liveness.beat(called);
      rescued(store.rescue(id, heartbeatTimeout));
      if (++beats % UNSERVED_EVERY_BEATS == 0) {
        lookForUnserved();
        schedules.fill();
        releaseOrphans();
        startMaintenance();
      }
    } catch (Throwable e) {
      LOG.warn("Heartbeat of orchestrator {} failed: {}", id, e.getMessage());
    }
  }

  /**
   * Warns when this beat came so long after the previous one that the database starts a new live
   * period for this orchestrator (see pgconductor.heartbeat): it may then not rescue peers for a
   * heartbeatTimeout. Says whether the time went before the call (a starved thread, a GC pause) or
   * in it (waiting for a pooled connection, a slow database).
   */
  private void noteLateBeat(long calledNanos) {
    long now = System.nanoTime();
    long previous = lastBeatNanos;
    lastBeatNanos = now;
    long gapMillis = TimeUnit.NANOSECONDS.toMillis(now - previous);
    long resetMillis = heartbeatTimeout.minus(heartbeatInterval.multipliedBy(2)).toMillis();
    if (previous != 0 && gapMillis >= resetMillis) {
      LOG.warn(
          "Orchestrator {}: heartbeat {} ms after the previous one (the call took {} ms); the"
              + " database starts a new live period, and it rescues no peer for {}",
          id,
          gapMillis,
          TimeUnit.NANOSECONDS.toMillis(now - calledNanos),
          heartbeatTimeout);
    }
  }

  /** The newest schema version this orchestrator's library knows. */
  private int schemaVersion() {
    return migrator.latestVersion();
  }

  /**
   * A newer version asked the orchestrators of older versions to drain before a breaking migration:
   * stop as {@link #stop()} does (the database already refuses its claims), and say why.
   */
  private void drainForUpgrade(int drainTo) {
    if (phase.get() != Phase.RUNNING) {
      return;
    }
    draining = true;
    int installed;
    try {
      installed = store.installedSchemaVersion();
    } catch (java.sql.SQLException e) {
      LOG.warn("Orchestrator {} could not read the schema version: {}", id, e.getMessage());
      installed = schemaVersion();
    }
    if (installed > schemaVersion()) {
      // it was frozen through the whole drain, counted as dead and not waited for: what it runs
      // may already be someone else's, on a schema it does not know, so none of it goes on
      liveness.registering();
      LOG.warn(
          "Orchestrator {} (schema version {}) finds the database already at schema version {}:"
              + " it was not heard from during the upgrade. Its running executions are void; they"
              + " are released when it stops",
          id,
          schemaVersion(),
          installed);
    }
    LOG.warn(
        "Orchestrator {} (schema version {}) drains and stops: a newer version of pgconductor"
            + " (schema version {}) asked the orchestrators of older versions to, before a breaking"
            + " migration. It claims nothing more; running handlers have the shutdown grace ({})"
            + " to finish. Restart this process with the newer version (see"
            + " docs/live-migrations.md)",
        id,
        schemaVersion(),
        drainTo,
        shutdownGrace);
    if (listeners.active()) {
      var event = new ConductorListener.DrainRequested(id.toString(), schemaVersion(), drainTo);
      listeners.fire(l -> l.drainRequested(event));
    }
    stop();
  }

  /**
   * The daily maintenance of this orchestrator's queues that is due (each queue's run is taken by
   * one orchestrator), run one queue after the other on a thread of its own.
   */
  private void startMaintenance() throws java.sql.SQLException {
    for (String queue : maintenance.due(List.copyOf(runners.keySet()))) {
      maintenanceRuns.execute(
          () -> {
            try {
              MaintenanceReport report = maintenance.run(queue, () -> phase.get() != Phase.RUNNING);
              LOG.info(
                  "Maintenance of queue '{}' removed {} finished executions ({} completed, {}"
                      + " failed, {} cancelled) in {} ms{}",
                  queue,
                  report.removed(),
                  report.completed(),
                  report.failed(),
                  report.cancelled(),
                  report.duration().toMillis(),
                  report.finished() ? "" : "; cut short by a stop");
              if (listeners.active()) {
                listeners.fire(l -> l.maintenanceCompleted(report));
              }
            } catch (java.sql.SQLException | RuntimeException e) {
              LOG.warn("Maintenance of queue '{}' failed: {}", queue, e.getMessage());
            }
          });
    }
  }

  /** Vacuums the partitions of the served queues that gathered many dead rows (see QueueVacuum). */
  private void vacuumQueues() {
    try {
      queueVacuum.run(List.copyOf(runners.keySet()));
      vacuumFailing = false;
    } catch (java.sql.SQLException | RuntimeException e) {
      // once per spell of failures: the check comes back every two seconds
      if (!vacuumFailing) {
        LOG.warn("Vacuuming the queues of orchestrator {} failed: {}", id, e.getMessage());
      }
      vacuumFailing = true;
    }
  }

  /**
   * A claim whose answer was lost (the connection broke after its commit) leaves executions held by
   * this orchestrator that no worker of it knows: nobody would ever run or release them. They are
   * released here, once claimed longer ago than the heartbeat timeout (no claim in flight takes
   * that long).
   */
  private void releaseOrphans() throws java.sql.SQLException {
    for (WorkerRunner<C> runner : runners.values()) {
      int released = store.releaseOrphans(id, runner.queue(), runner.knownIds(), heartbeatTimeout);
      if (released > 0) {
        LOG.warn(
            "Released {} executions of queue '{}' that orchestrator {} held without knowing (a"
                + " claim whose answer was lost)",
            released,
            runner.queue(),
            id);
      }
    }
  }

  /**
   * Ready executions on this orchestrator's queues whose task no registered orchestrator runs there
   * wait for ever, so say so: a warning once per queue and task (again if they come back after
   * being served), and the listeners at every look.
   */
  private void lookForUnserved() throws java.sql.SQLException {
    List<ConductorListener.UnservedTask> found = store.unserved(List.copyOf(runners.keySet()));
    java.util.Set<List<String>> now = new java.util.HashSet<>();
    for (ConductorListener.UnservedTask t : found) {
      List<String> key = List.of(t.queue(), t.taskName());
      now.add(key);
      if (unservedLogged.add(key)) {
        LOG.warn(
            "{} executions of task '{}' on queue '{}' are ready (the oldest since {}) but no"
                + " running orchestrator runs that task on that queue: they wait until one does",
            t.ready(),
            t.taskName(),
            t.queue(),
            t.oldestDue());
      }
    }
    unservedLogged.retainAll(now);
    if (!found.isEmpty() && listeners.active()) {
      var event = new ConductorListener.Unserved(id.toString(), found);
      listeners.fire(l -> l.executionsUnserved(event));
    }
  }

  private void rescued(int executions) {
    if (executions == 0) {
      return;
    }
    LOG.info("Released {} executions held by orchestrators that stopped heartbeating", executions);
    if (listeners.active()) {
      var event = new ConductorListener.Rescued(id.toString(), executions);
      listeners.fire(l -> l.executionsRescued(event));
    }
  }

  private void removeShutdownHook() {
    if (shutdownHook == null || Thread.currentThread() == shutdownHook) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down; the hook is running or will run
    }
  }

  private static void joinQuietly(Thread thread) {
    if (thread == null) {
      return;
    }
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "unknown";
    }
  }
}
