package dev.pgconductor.internal.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgconductor.BatchTaskContext;
import dev.pgconductor.BatchTaskHandler;
import dev.pgconductor.ConductorListener;
import dev.pgconductor.Task;
import dev.pgconductor.TaskEvent;
import dev.pgconductor.TaskLogger;
import dev.pgconductor.TaskSignal;
import dev.pgconductor.internal.db.Claimed;
import dev.pgconductor.internal.db.ExecutionStore.StepRecord;
import dev.pgconductor.internal.db.Outcome;
import dev.pgconductor.internal.listen.Listeners;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.MDC;

/**
 * Runs the handler of a batch task over one batch of claimed executions and turns what happened
 * into one {@link Outcome} per execution: completed with its own result, all failed (each retried
 * on its own schedule), all asleep, or handed back. Uses the {@link ExecutionRunner} for what runs
 * share: events from payloads, putting back unknown triggers, telling the listeners.
 */
final class BatchRunner<C> {
  private static final String SLEEP_UNTIL = "sleepUntil";

  private final RunEnvironment<C> environment;
  private final ExecutionRunner<C> runner;
  private final String queue;
  private final UUID orchestratorId;
  private final Listeners listeners;

  /** Contexts of the batches running now, to signal them at a stop. */
  private final Set<Context> running = ConcurrentHashMap.newKeySet();

  BatchRunner(
      RunEnvironment<C> environment, ExecutionRunner<C> runner, String queue, UUID orchestratorId) {
    this.environment = environment;
    this.runner = runner;
    this.queue = queue;
    this.orchestratorId = orchestratorId;
    this.listeners = environment.listeners();
  }

  /** Batches running now. */
  int runningCount() {
    return running.size();
  }

  /** Ids of the executions whose batch runs now. */
  Set<UUID> runningIds() {
    Set<UUID> ids = new java.util.HashSet<>();
    for (Context ctx : running) {
      ctx.members.forEach(m -> ids.add(m.claimed.id()));
    }
    return ids;
  }

  /** Sets the stop signal of every running batch, interrupting their threads if asked. */
  void signalAll(boolean interrupt) {
    for (Context ctx : running) {
      ctx.abort(interrupt);
    }
  }

  /** One execution of the batch: its claim, its event, and the sleeps it has recorded. */
  private record Member(
      Claimed claimed, TaskEvent<?> event, java.util.Map<String, Instant> slept) {}

  /** Runs the batch; returns an outcome for every execution of it. */
  List<Outcome> run(Task<?, ?> task, List<Claimed> batch) {
    List<Outcome> outcomes = new ArrayList<>(batch.size());
    List<Member> members = new ArrayList<>(batch.size());
    long startedNanos = System.nanoTime();
    for (Claimed claimed : batch) {
      if (!ExecutionRunner.knowsOrigin(claimed)) {
        outcomes.add(runner.putBack(task, claimed));
      } else if (claimed.cancelReason() != null) {
        // cancelled before this claim: it never starts
        Outcome cancelled = new Outcome.Cancelled(claimed, claimed.stepsJson() != null);
        runner.notRun(cancelled);
        outcomes.add(cancelled);
      } else {
        try {
          members.add(new Member(claimed, runner.eventOf(task, claimed), sleeps(claimed)));
        } catch (IllegalArgumentException unreadable) {
          Outcome failed =
              new Outcome.Failed(
                  claimed,
                  claimed.stepsJson() != null,
                  ExecutionRunner.message(unreadable),
                  ExecutionRunner.stackTrace(unreadable),
                  0);
          runner.reported(failed, unreadable, Duration.ZERO);
          outcomes.add(failed);
        }
      }
    }
    if (members.isEmpty()) {
      return outcomes;
    }
    if (!environment.liveness().holds(members.getFirst().claimed.requestedNanos(), () -> false)) {
      // peers declared this orchestrator dead since the claim: the executions are theirs now
      members.forEach(m -> outcomes.add(new Outcome.Released(m.claimed, hasSteps(m))));
      return outcomes;
    }
    if (listeners.active()) {
      for (Member m : members) {
        var event =
            new ConductorListener.Started(
                m.claimed.id().toString(),
                task.name(),
                queue,
                m.claimed.attempt(),
                Duration.ofMillis(m.claimed.queueWaitMillis()));
        listeners.fire(l -> l.executionStarted(event));
      }
    }
    while (!members.isEmpty()) {
      Context ctx = new Context(task, members);
      Ended ended = runOnce(task, ctx);
      Duration ran = Duration.ofNanos(System.nanoTime() - startedNanos);
      for (Outcome o : ended.outcomes) {
        runner.reported(o, ended.error, ran);
        outcomes.add(o);
      }
      members = ended.again; // executions that had slept go on without those that had not
    }
    return outcomes;
  }

  /** What one handler call ended with, and the executions to run the handler again for. */
  private record Ended(List<Outcome> outcomes, Throwable error, List<Member> again) {
    Ended(List<Outcome> outcomes, Throwable error) {
      this(outcomes, error, List.of());
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private Ended runOnce(Task<?, ?> task, Context ctx) {
    List<Member> members = ctx.members;
    ctx.thread = Thread.currentThread();
    running.add(ctx);
    MDC.put(ExecutionRunner.MDC_TASK, task.name());
    MDC.put(ExecutionRunner.MDC_EXECUTION, members.getFirst().claimed.id().toString());
    MDC.put(ExecutionRunner.MDC_QUEUE, queue);
    try {
      List events = members.stream().map(Member::event).toList();
      List<?> results =
          ((BatchTaskHandler) task.batchHandler())
              .handle(Collections.unmodifiableList(events), ctx);
      if (ctx.suspension != null) {
        return suspended(ctx); // the handler caught the sleep's control flow: honour it
      }
      if (results == null || results.size() != members.size()) {
        throw new IllegalStateException(
            "the batch handler of task '"
                + task.name()
                + "' returned "
                + (results == null ? "null" : results.size() + " results")
                + " for "
                + members.size()
                + " events; it must return one result per event, in order");
      }
      List<Outcome> outcomes = new ArrayList<>(members.size());
      for (int i = 0; i < members.size(); i++) {
        Member m = members.get(i);
        try {
          String json =
              environment
                  .json()
                  .writeStorable(results.get(i), "the result of task '" + task.name() + "'");
          outcomes.add(new Outcome.Completed(m.claimed, hasSteps(m), json));
        } catch (RuntimeException unstorable) {
          outcomes.add(
              new Outcome.Failed(
                  m.claimed,
                  hasSteps(m),
                  ExecutionRunner.message(unstorable),
                  ExecutionRunner.stackTrace(unstorable),
                  0));
        }
      }
      return new Ended(outcomes, null);
    } catch (BatchSleep sleep) {
      return suspended(ctx);
    } catch (Throwable e) {
      if (ctx.suspension != null) {
        return suspended(ctx);
      }
      if (ctx.interruptedByStop) {
        // still running when the stop's grace period ended: an abandoned run of each execution,
        // counted as such, so that a batch that hangs at every stop ends failed
        String error =
            "the batch handler still ran when orchestrator "
                + orchestratorId
                + " stopped after its shutdown grace period, and was interrupted";
        return new Ended(
            members.stream()
                .map(
                    m ->
                        (Outcome)
                            new Outcome.Interrupted(
                                m.claimed, hasSteps(m), error, task.options().maxAttempts()))
                .toList(),
            null);
      }
      if (ctx.aborted) {
        // stopped: the batch runs again later, without using an attempt
        return new Ended(
            members.stream()
                .map(m -> (Outcome) new Outcome.Released(m.claimed, hasSteps(m)))
                .toList(),
            null);
      }
      boolean permanent = ExecutionRunner.isPermanent(e);
      List<Outcome> failed = new ArrayList<>(members.size());
      for (Member m : members) {
        Optional<Duration> delay = task.options().retryPolicy().delay(m.claimed.attempt(), e);
        failed.add(
            new Outcome.Failed(
                m.claimed,
                hasSteps(m),
                ExecutionRunner.message(e),
                ExecutionRunner.stackTrace(e),
                permanent || delay.isEmpty() ? 0 : task.options().maxAttempts(),
                delay.orElse(null)));
      }
      return new Ended(failed, e);
    } finally {
      running.remove(ctx);
      ctx.thread = null;
      Thread.interrupted(); // a stop's interrupt must not leak into the next batch
      MDC.remove(ExecutionRunner.MDC_TASK);
      MDC.remove(ExecutionRunner.MDC_EXECUTION);
      MDC.remove(ExecutionRunner.MDC_QUEUE);
    }
  }

  /**
   * A sleep ended the call: the executions that had not slept yet record it and sleep, those whose
   * sleep is not over yet (claimed early) sleep on, and if some had slept already, the handler runs
   * again for those alone.
   */
  private Ended suspended(Context ctx) {
    BatchSleep sleep = ctx.suspension;
    Instant now = environment.clockNow();
    List<Member> sleepers = new ArrayList<>();
    List<Member> again = new ArrayList<>();
    List<Outcome> outcomes = new ArrayList<>();
    for (Member m : ctx.members) {
      Instant recorded = m.slept.get(sleep.name);
      if (recorded == null) {
        sleepers.add(m);
      } else if (recorded.isAfter(now)) {
        outcomes.add(new Outcome.Sleeping(m.claimed, true, recorded));
      } else {
        again.add(m);
      }
    }
    String json =
        environment
            .json()
            .writeStorable(java.util.Map.of(SLEEP_UNTIL, sleep.until.toString()), "a sleep's end");
    List<StepRecord> records =
        sleepers.stream()
            .map(m -> new StepRecord(m.claimed.id(), queue, m.claimed.lease(), sleep.name, json))
            .toList();
    boolean[] held;
    try {
      held = environment.executions().recordSteps(orchestratorId, records);
    } catch (SQLException e) {
      // not recorded: every execution goes back and the batch runs again, sleep and all
      outcomes.clear();
      ctx.members.forEach(m -> outcomes.add(new Outcome.Released(m.claimed, hasSteps(m))));
      return new Ended(outcomes, null);
    }
    for (int i = 0; i < sleepers.size(); i++) {
      Member m = sleepers.get(i);
      outcomes.add(
          held[i]
              ? new Outcome.Sleeping(m.claimed, true, sleep.until)
              : new Outcome.Released(m.claimed, hasSteps(m)));
    }
    return new Ended(outcomes, null, again);
  }

  /** The sleeps an execution recorded in earlier runs, by name, from its claimed steps. */
  private java.util.Map<String, Instant> sleeps(Claimed claimed) {
    java.util.Map<String, Instant> sleeps = new java.util.HashMap<>();
    if (claimed.stepsJson() == null) {
      return sleeps;
    }
    try {
      JsonNode steps = environment.json().mapper().readTree(claimed.stepsJson());
      steps
          .properties()
          .forEach(
              e -> {
                JsonNode until = e.getValue().path("result").path(SLEEP_UNTIL);
                if (until.isTextual()) {
                  sleeps.put(e.getKey(), Instant.parse(until.asText()));
                }
              });
    } catch (Exception e) {
      throw new IllegalStateException(
          "the recorded sleeps of execution " + claimed.id() + " cannot be read", e);
    }
    return sleeps;
  }

  private static boolean hasSteps(Member m) {
    return m.claimed.stepsJson() != null || !m.slept.isEmpty();
  }

  /**
   * Ends a batch handler's call at a sleep; an {@link Error}, so {@code catch (Exception)} lets it
   * by.
   */
  private static final class BatchSleep extends Error {
    private static final long serialVersionUID = 1L;
    final String name;
    final Instant until;

    BatchSleep(String name, Instant until) {
      super("the batch sleeps in '" + name + "' until " + until, null, false, false);
      this.name = name;
      this.until = until;
    }
  }

  /** The context of one handler call over a batch. */
  private final class Context implements BatchTaskContext<C>, TaskSignal {
    final Task<?, ?> task;
    final List<Member> members;
    final TaskLogger logger;
    volatile boolean aborted;
    volatile boolean interruptedByStop; // still running after the stop's grace period
    volatile Thread thread;
    BatchSleep suspension;

    Context(Task<?, ?> task, List<Member> members) {
      this.task = task;
      this.members = List.copyOf(members);
      this.logger =
          new Slf4jTaskLogger(
              environment.taskLogger(),
              task.name(),
              members.getFirst().claimed.id().toString(),
              queue);
    }

    void abort(boolean interrupt) {
      aborted = true;
      if (interrupt) {
        interruptedByStop = true;
      }
      Thread t = thread;
      if (interrupt && t != null) {
        t.interrupt();
      }
    }

    @Override
    public String taskName() {
      return task.name();
    }

    @Override
    public String queue() {
      return queue;
    }

    @Override
    public List<String> executionIds() {
      return members.stream().map(m -> m.claimed.id().toString()).toList();
    }

    @Override
    public TaskLogger logger() {
      return logger;
    }

    @Override
    public C context() {
      return environment.context();
    }

    @Override
    public TaskSignal signal() {
      return this;
    }

    @Override
    public void sleep(String name, Duration duration) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(duration, "duration");
      checkpoint();
      boolean everySlept = true;
      Instant latest = null;
      for (Member m : members) {
        Instant until = m.slept.get(name);
        if (until == null) {
          everySlept = false;
        } else if (latest == null || until.isAfter(latest)) {
          latest = until;
        }
      }
      Instant now = environment.clockNow();
      if (everySlept && !latest.isAfter(now)) {
        return; // slept already: go on
      }
      // those that slept already keep their recorded end (see suspended)
      suspension = new BatchSleep(name, now.plus(duration));
      throw suspension;
    }

    @Override
    public void checkpoint() {
      if (aborted) {
        throw new BatchStopped();
      }
    }

    @Override
    public boolean isAborted() {
      return aborted;
    }

    @Override
    public Reason reason() {
      return aborted ? Reason.SHUTDOWN : null;
    }
  }

  /** The worker stops: the batch ends here and runs again later. */
  private static final class BatchStopped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BatchStopped() {
      super("the worker is stopping", null, false, false);
    }
  }
}
