package dev.pgconductor.internal.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgconductor.ChildExecutionFailedException;
import dev.pgconductor.ConductorListener;
import dev.pgconductor.ConductorListener.Reason;
import dev.pgconductor.ExecutionTracer.RunOutcome;
import dev.pgconductor.RowOperation;
import dev.pgconductor.Task;
import dev.pgconductor.TaskEvent;
import dev.pgconductor.TaskHandler;
import dev.pgconductor.TaskSignal;
import dev.pgconductor.internal.db.Claimed;
import dev.pgconductor.internal.db.Outcome;
import dev.pgconductor.internal.json.JsonCodec;
import dev.pgconductor.internal.json.UnstorableValueException;
import dev.pgconductor.internal.listen.Listeners;
import dev.pgconductor.internal.listen.Tracing;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Runs one claimed execution's handler, tells the listeners, and turns what happened into an {@link
 * Outcome}.
 */
final class ExecutionRunner<C> {
  private static final Logger LOG = LoggerFactory.getLogger(ExecutionRunner.class);

  /** The origins whose executions this version runs (see {@link #event}). */
  private static final Set<String> KNOWN_ORIGINS =
      Set.of("invoked", "child", "scheduled", "emitted", "row_changed");

  private static final Duration PUT_BACK_FOR = Duration.ofMinutes(1);

  static final String MDC_TASK = "pgconductor.task";
  static final String MDC_EXECUTION = "pgconductor.execution";
  static final String MDC_QUEUE = "pgconductor.queue";

  private final RunEnvironment<C> environment;
  private final String queue;
  private final UUID orchestratorId;
  private final StepWriter stepWriter;
  private final RunningExecutions running;
  private final Listeners listeners;

  ExecutionRunner(
      RunEnvironment<C> environment,
      String queue,
      UUID orchestratorId,
      StepWriter stepWriter,
      RunningExecutions running) {
    this.environment = environment;
    this.queue = queue;
    this.orchestratorId = orchestratorId;
    this.stepWriter = stepWriter;
    this.running = running;
    this.listeners = environment.listeners();
  }

  /**
   * Runs the handler. {@code end} claims the end of the run for the handler: false when its timeout
   * ended the run first (see {@link #timedOut}), and then this returns null and reports nothing.
   * The handler lends {@code slot} while it waits for its steps to be committed.
   */
  Outcome run(Task<?, ?> task, Claimed claimed, BooleanSupplier end, HandlerSlot slot) {
    if (!KNOWN_ORIGINS.contains(claimed.origin())) {
      return end.getAsBoolean() ? putBack(task, claimed) : null;
    }
    if (claimed.cancelReason() != null) {
      // its cancellation was requested before this claim: a cancelled execution never starts
      if (!end.getAsBoolean()) {
        return null;
      }
      Outcome cancelled = new Outcome.Cancelled(claimed, claimed.stepsJson() != null);
      notRun(cancelled);
      return cancelled;
    }
    String id = claimed.id().toString();
    var logger = new Slf4jTaskLogger(environment.taskLogger(), task.name(), id, queue);
    var ctx =
        new DefaultTaskContext<>(
            environment,
            claimed,
            queue,
            orchestratorId,
            logger,
            stepWriter,
            task.options().window().orElse(null));
    ctx.lends(slot);
    Tracing.Run traced = null;
    if (environment.tracing().active()) {
      traced =
          environment
              .tracing()
              .startAttempt(
                  id,
                  task.name(),
                  queue,
                  claimed.attempt(),
                  claimed.origin(),
                  claimed.parentId() == null ? null : claimed.parentId().toString(),
                  claimed.traceContext());
      ctx.traced(traced);
    }
    long startedNanos = System.nanoTime();
    if (listeners.active()) {
      var event =
          new ConductorListener.Started(
              id,
              task.name(),
              queue,
              claimed.attempt(),
              Duration.ofMillis(claimed.queueWaitMillis()));
      listeners.fire(l -> l.executionStarted(event));
    }
    Run run = runHandler(task, claimed, ctx);
    if (ctx.reason() == TaskSignal.Reason.CANCELLED
        && !(run.outcome() instanceof Outcome.Completed)
        && !(run.outcome() instanceof Outcome.Cancelled)) {
      // cancelled while it ran: the flush ends it cancelled whatever the run did, so say so
      run = new Run(new Outcome.Cancelled(claimed, ctx.hasSteps()));
    }
    if (run.outcome() instanceof Outcome.Released released && ctx.interruptedByStop()) {
      // still running when the stop's grace period ended: an abandoned run, counted as such
      run =
          new Run(
              new Outcome.Interrupted(
                  claimed,
                  released.hasSteps(),
                  "the handler still ran when orchestrator "
                      + orchestratorId
                      + " stopped after its shutdown grace period, and was interrupted",
                  task.options().maxAttempts()));
    }
    if (!end.getAsBoolean()) {
      if (traced != null) {
        timedOut(traced, task, claimed);
      }
      return null; // its timeout ended the run: that outcome was written instead
    }
    if (listeners.active()) {
      report(task.name(), run, Duration.ofNanos(System.nanoTime() - startedNanos));
    }
    if (traced != null) {
      traced.end(runOutcome(run.outcome()), run.error());
    }
    return run.outcome();
  }

  /** How a run ended, as the tracer hears it. */
  private static RunOutcome runOutcome(Outcome outcome) {
    return switch (outcome) {
      case Outcome.Completed c -> RunOutcome.COMPLETED;
      case Outcome.Failed f ->
          outcome.claimed().attempt() < f.maxAttempts() ? RunOutcome.RETRYING : RunOutcome.FAILED;
      case Outcome.Cancelled c -> RunOutcome.CANCELLED;
      case Outcome.Sleeping s -> RunOutcome.SLEEPING;
      case Outcome.Waiting w -> RunOutcome.WAITING_FOR_CHILD;
      case Outcome.Released r -> RunOutcome.RELEASED;
      case Outcome.Interrupted r -> RunOutcome.RELEASED;
      case Outcome.Unstarted u -> RunOutcome.RELEASED;
    };
  }

  /** Ends the traced run of a handler whose timeout ended its run, as {@link #timedOut} did. */
  private static void timedOut(Tracing.Run traced, Task<?, ?> task, Claimed claimed) {
    var error =
        new TimeoutException(
            "this run of task '"
                + task.name()
                + "' took longer than its timeout of "
                + task.options().timeout().orElse(null));
    boolean retried =
        task.options().retryPolicy().delay(claimed.attempt(), error).isPresent()
            && claimed.attempt() < task.options().maxAttempts();
    traced.end(retried ? RunOutcome.RETRYING : RunOutcome.FAILED, error);
  }

  /**
   * Ends a run that outlived its task's timeout, whatever its handler does: the handler is told and
   * interrupted, and the failed attempt returned here is what gets written. Anything the handler
   * writes later is refused (by its context, and by the lease once this is written).
   */
  Outcome timedOut(Task<?, ?> task, Claimed claimed) {
    DefaultTaskContext<?> ctx = running.get(claimed.id());
    if (ctx != null) {
      ctx.abort(TaskSignal.Reason.TIMED_OUT, true);
    }
    Duration timeout = task.options().timeout().orElseThrow();
    String error =
        "timed out: this run of task '"
            + task.name()
            + "' took longer than its timeout of "
            + timeout;
    LOG.warn(
        "Execution {} of task '{}' timed out after {}; the attempt fails, and the handler's thread"
            + " was interrupted",
        claimed.id(),
        task.name(),
        timeout);
    boolean hasSteps = ctx != null ? ctx.hasSteps() : claimed.stepsJson() != null;
    Optional<Duration> delay =
        task.options().retryPolicy().delay(claimed.attempt(), new TimeoutException(error));
    Outcome failed =
        new Outcome.Failed(
            claimed,
            hasSteps,
            error,
            null,
            delay.isEmpty() ? 0 : task.options().maxAttempts(),
            delay.orElse(null));
    if (listeners.active()) {
      report(task.name(), new Run(failed, new TimeoutException(error)), timeout);
    }
    return failed;
  }

  /**
   * Tells the listeners how a claimed execution ended without its handler running: handed back at a
   * stop, or cancelled while it waited for a slot.
   */
  void notRun(Outcome outcome) {
    if (listeners.active()) {
      report(outcome.claimed().taskName(), new Run(outcome), Duration.ZERO);
    }
  }

  /** How a run ended, and what the handler threw if it failed (for the listeners). */
  private record Run(Outcome outcome, Throwable error) {
    Run(Outcome outcome) {
      this(outcome, null);
    }
  }

  private Run runHandler(Task<?, ?> task, Claimed claimed, DefaultTaskContext<C> ctx) {
    String id = claimed.id().toString();
    ctx.bindThread(Thread.currentThread());
    running.add(claimed.id(), ctx);
    MDC.put(MDC_TASK, task.name());
    MDC.put(MDC_EXECUTION, id);
    MDC.put(MDC_QUEUE, queue);
    try {
      ctx.startBoundary();
      String resultJson = invoke(task, claimed, ctx);
      if (ctx.thrown() != null) {
        return swallowed(task, claimed, ctx, null);
      }
      return new Run(new Outcome.Completed(claimed, ctx.hasSteps(), resultJson));
    } catch (Suspension s) {
      return s == ctx.thrown()
          ? new Run(s.outcome(claimed, ctx.hasSteps()))
          : swallowed(task, claimed, ctx, s);
    } catch (Throwable e) {
      if (ctx.thrown() != null) {
        return swallowed(task, claimed, ctx, e);
      }
      if (ctx.reason() == TaskSignal.Reason.CANCELLED) {
        return new Run(new Outcome.Cancelled(claimed, ctx.hasSteps()));
      }
      if (ctx.reason() == TaskSignal.Reason.SHUTDOWN) {
        // stopped by the shutdown, not a failed attempt
        return new Run(new Outcome.Released(claimed, ctx.hasSteps()));
      }
      // errors that another attempt cannot change fail at once, without using up retries, and
      // so do those the task's retry policy does not retry
      Optional<Duration> delay = task.options().retryPolicy().delay(claimed.attempt(), e);
      int maxAttempts = isPermanent(e) || delay.isEmpty() ? 0 : task.options().maxAttempts();
      return new Run(
          new Outcome.Failed(
              claimed, ctx.hasSteps(), message(e), stackTrace(e), maxAttempts, delay.orElse(null)),
          e);
    } finally {
      running.remove(claimed.id());
      ctx.bindThread(null);
      Thread.interrupted(); // an abort's interrupt must not leak into the next handler
      MDC.remove(MDC_TASK);
      MDC.remove(MDC_EXECUTION);
      MDC.remove(MDC_QUEUE);
    }
  }

  @SuppressWarnings("unchecked")
  private <P, R> String invoke(Task<P, R> task, Claimed claimed, DefaultTaskContext<C> ctx)
      throws Exception {
    TaskEvent<P> event = eventOf(task, claimed);
    TaskHandler<P, R, C> handler = (TaskHandler<P, R, C>) task.handler();
    R result = handler.handle(event, ctx);
    return environment.json().writeStorable(result, "the result of task '" + task.name() + "'");
  }

  /**
   * The event a handler receives for a claimed execution.
   *
   * @throws IllegalArgumentException (permanent, see {@link #isPermanent}) when the payload cannot
   *     be read as the task's payload type
   */
  <P> TaskEvent<P> eventOf(Task<P, ?> task, Claimed claimed) {
    Class<P> payloadType = task.definition().payloadType();
    try {
      return "row_changed".equals(claimed.origin())
          ? rowChanged(claimed, payloadType)
          : event(claimed, environment.json().read(claimed.payloadJson(), payloadType));
    } catch (Exception e) {
      throw new UnreadablePayloadException(
          "payload cannot be read as " + payloadType.getName() + ": " + e.getMessage(), e);
    }
  }

  /** Whether this version runs executions of the trigger that made this one. */
  static boolean knowsOrigin(Claimed claimed) {
    return KNOWN_ORIGINS.contains(claimed.origin());
  }

  /** Tells the listeners how a run ended ({@code error}: what the handler threw, if it failed). */
  void reported(Outcome outcome, Throwable error, Duration ran) {
    if (listeners.active()) {
      report(outcome.claimed().taskName(), new Run(outcome, error), ran);
    }
  }

  /**
   * An execution made by a trigger this version cannot run (an orchestrator of a newer version
   * created it): back to the queue for a minute, without counting an attempt, for an orchestrator
   * that knows the trigger.
   */
  Outcome putBack(Task<?, ?> task, Claimed claimed) {
    Instant now = environment.hasClock() ? environment.clockNow() : claimed.databaseNow();
    LOG.warn(
        "Execution {} of task '{}' was created by a trigger of kind '{}' that this version of"
            + " pgconductor cannot run; it goes back to the queue for a minute",
        claimed.id(),
        task.name(),
        claimed.origin());
    return new Outcome.Sleeping(claimed, claimed.stepsJson() != null, now.plus(PUT_BACK_FOR));
  }

  /** A payload the task's type cannot read: no attempt can change that. */
  private static final class UnreadablePayloadException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UnreadablePayloadException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Whether no later attempt can end differently: a child that failed for good, a payload that
   * cannot be read, a value that cannot be stored (also when the handler wrapped it).
   */
  static boolean isPermanent(Throwable e) {
    if (e instanceof ChildExecutionFailedException || e instanceof UnreadablePayloadException) {
      return true;
    }
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof UnstorableValueException) {
        return true;
      }
    }
    return false;
  }

  /**
   * The event of an execution made by a row-change trigger, whose payload is {@code {"tg_op":
   * "UPDATE", "schema": …, "table": …, "old": {…}, "new": {…}}}.
   */
  private <P> TaskEvent<P> rowChanged(Claimed claimed, Class<P> payloadType)
      throws JsonProcessingException {
    ObjectMapper mapper = environment.json().mapper();
    JsonNode change = mapper.readTree(claimed.payloadJson());
    JsonNode oldRow = change.hasNonNull("old") ? change.get("old") : null;
    JsonNode newRow = change.hasNonNull("new") ? change.get("new") : null;
    RowOperation operation =
        RowOperation.valueOf(change.path("tg_op").asText().toUpperCase(Locale.ROOT));
    JsonNode row = operation == RowOperation.DELETE ? oldRow : newRow;
    P payload =
        payloadType == Void.class || row == null ? null : mapper.treeToValue(row, payloadType);
    return new TaskEvent.RowChanged<>(
        operation,
        change.path("schema").asText(),
        change.path("table").asText(),
        oldRow,
        newRow,
        payload,
        mapper);
  }

  /** The event the handler receives, from where the execution came from. */
  private static <P> TaskEvent<P> event(Claimed claimed, P payload) {
    return switch (claimed.origin()) {
      case "invoked", "child" -> new TaskEvent.Invoked<>(payload);
      case "emitted" -> new TaskEvent.Emitted<>(claimed.originName(), payload);
      case "scheduled" ->
          new TaskEvent.Scheduled<>(
              claimed.originName(),
              claimed.occurrence() != null && claimed.occurrence().scheduledFor() != null
                  ? claimed.occurrence().scheduledFor()
                  : claimed.createdAt(),
              payload);
      default ->
          throw new IllegalStateException(
              "execution "
                  + claimed.id()
                  + " was created by a trigger of kind '"
                  + claimed.origin()
                  + "' that this version of pgconductor cannot run");
    };
  }

  /** The handler caught the control-flow error of a context call and went on: fail clearly. */
  private Run swallowed(
      Task<?, ?> task, Claimed claimed, DefaultTaskContext<C> ctx, Throwable later) {
    var error =
        new IllegalStateException(
            "The handler of task '"
                + task.name()
                + "' caught pgconductor's control flow ("
                + ctx.thrown().getMessage()
                + ") and went on. Never catch Throwable (or Error) around TaskContext calls;"
                + " catch Exception instead.",
            later);
    return new Run(
        new Outcome.Failed(
            claimed,
            ctx.hasSteps(),
            error.getMessage(),
            stackTrace(error),
            task.options().maxAttempts()),
        error);
  }

  /** Tells the listeners how the run ended. */
  private void report(String name, Run run, Duration ran) {
    Outcome outcome = run.outcome();
    String id = outcome.id().toString();
    int attempt = outcome.claimed().attempt();
    switch (outcome) {
      case Outcome.Completed c -> {
        var event = new ConductorListener.Completed(id, name, queue, attempt, ran);
        listeners.fire(l -> l.executionCompleted(event));
      }
      case Outcome.Failed f -> {
        var event =
            new ConductorListener.Failed(
                id, name, queue, attempt, ran, run.error(), attempt < f.maxAttempts());
        listeners.fire(l -> l.executionFailed(event));
      }
      case Outcome.Cancelled c -> {
        var event = new ConductorListener.Cancelled(id, name, queue);
        listeners.fire(l -> l.executionCancelled(event));
      }
      case Outcome.Sleeping s -> released(id, name, Reason.SLEEP, ran);
      case Outcome.Waiting w -> released(id, name, Reason.CHILD, ran);
      case Outcome.Released r -> released(id, name, Reason.STOP, ran);
      case Outcome.Interrupted r -> released(id, name, Reason.STOP, ran);
      case Outcome.Unstarted u -> released(id, name, Reason.STOP, Duration.ZERO);
    }
  }

  private void released(String id, String task, Reason reason, Duration ran) {
    var event = new ConductorListener.Released(id, task, queue, reason, ran);
    listeners.fire(l -> l.executionReleased(event));
  }

  static String message(Throwable e) {
    String message = e.getMessage();
    return JsonCodec.storableText(
        message == null || message.isBlank() ? e.getClass().getName() : message);
  }

  static String stackTrace(Throwable e) {
    StringWriter out = new StringWriter();
    e.printStackTrace(new PrintWriter(out));
    return JsonCodec.storableText(out.toString());
  }
}
