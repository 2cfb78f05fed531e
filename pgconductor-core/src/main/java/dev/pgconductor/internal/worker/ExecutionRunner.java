package dev.pgconductor.internal.worker;

import dev.pgconductor.ChildExecutionFailedException;
import dev.pgconductor.TaskEvent;
import dev.pgconductor.TaskSignal;
import dev.pgconductor.internal.ConductorCore;
import dev.pgconductor.internal.db.Claimed;
import dev.pgconductor.internal.db.Outcome;
import dev.pgconductor.internal.json.JsonCodec;
import dev.pgconductor.internal.task.RegisteredTask;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.UUID;
import org.slf4j.MDC;

/** Runs one claimed execution's handler and turns what happened into an {@link Outcome}. */
final class ExecutionRunner<C> {
  static final String MDC_TASK = "pgconductor.task";
  static final String MDC_EXECUTION = "pgconductor.execution";
  static final String MDC_QUEUE = "pgconductor.queue";

  private final ConductorCore<C> core;
  private final String queue;
  private final UUID orchestratorId;
  private final StepWriter stepWriter;
  private final RunningExecutions running;

  ExecutionRunner(
      ConductorCore<C> core,
      String queue,
      UUID orchestratorId,
      StepWriter stepWriter,
      RunningExecutions running) {
    this.core = core;
    this.queue = queue;
    this.orchestratorId = orchestratorId;
    this.stepWriter = stepWriter;
    this.running = running;
  }

  /** Runs the handler. */
  Outcome run(RegisteredTask<?, ?, C> task, Claimed claimed) {
    String id = claimed.id().toString();
    var logger = new Slf4jTaskLogger(core.taskLogger(), task.name(), id, queue);
    var ctx = new DefaultTaskContext<>(core, claimed, queue, orchestratorId, logger, stepWriter);
    // the flush removes the steps of executions that finish, if they have any
    return runHandler(task, claimed, ctx).withSteps(ctx.hasSteps());
  }

  private Outcome runHandler(
      RegisteredTask<?, ?, C> task, Claimed claimed, DefaultTaskContext<C> ctx) {
    String id = claimed.id().toString();
    ctx.bindThread(Thread.currentThread());
    running.add(claimed.id(), ctx);
    MDC.put(MDC_TASK, task.name());
    MDC.put(MDC_EXECUTION, id);
    MDC.put(MDC_QUEUE, queue);
    try {
      String resultJson = invoke(task, claimed, ctx);
      if (ctx.thrown() != null) {
        return swallowed(task, claimed, ctx, null);
      }
      return Outcome.completed(claimed, resultJson);
    } catch (Suspension s) {
      return s == ctx.thrown() ? s.outcome(claimed) : swallowed(task, claimed, ctx, s);
    } catch (Throwable e) {
      if (ctx.thrown() != null) {
        return swallowed(task, claimed, ctx, e);
      }
      if (ctx.reason() == TaskSignal.Reason.CANCELLED) {
        return Outcome.cancelled(claimed);
      }
      if (ctx.reason() == TaskSignal.Reason.SHUTDOWN) {
        return Outcome.released(claimed); // stopped by the shutdown, not a failed attempt
      }
      int maxAttempts =
          e instanceof ChildExecutionFailedException ? 0 : task.options().maxAttempts();
      return Outcome.failed(claimed, message(e), stackTrace(e), maxAttempts);
    } finally {
      running.remove(claimed.id());
      ctx.bindThread(null);
      Thread.interrupted(); // an abort's interrupt must not leak into the next handler
      MDC.remove(MDC_TASK);
      MDC.remove(MDC_EXECUTION);
      MDC.remove(MDC_QUEUE);
    }
  }

  private <P, R> String invoke(
      RegisteredTask<P, R, C> task, Claimed claimed, DefaultTaskContext<C> ctx) throws Exception {
    P payload;
    try {
      payload = core.json().read(claimed.payloadJson(), task.definition().payloadType());
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "payload cannot be read as "
              + task.definition().payloadType().getName()
              + ": "
              + e.getMessage(),
          e);
    }
    R result = task.handler().handle(new TaskEvent.Invoked<>(payload), ctx);
    return core.json().writeStorable(result, "the result of task '" + task.name() + "'");
  }

  /** The handler caught the control-flow error of a context call and went on: fail clearly. */
  private Outcome swallowed(
      RegisteredTask<?, ?, C> task, Claimed claimed, DefaultTaskContext<C> ctx, Throwable later) {
    var error =
        new IllegalStateException(
            "The handler of task '"
                + task.name()
                + "' caught pgconductor's control flow ("
                + ctx.thrown().getMessage()
                + ") and went on. Never catch Throwable (or Error)"
                + " around TaskContext calls; catch Exception instead.",
            later);
    return Outcome.failed(
        claimed, error.getMessage(), stackTrace(error), task.options().maxAttempts());
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
