package dev.pgconductor.internal.worker;

import dev.pgconductor.TaskEvent;
import dev.pgconductor.internal.ConductorCore;
import dev.pgconductor.internal.db.Claimed;
import dev.pgconductor.internal.db.Outcome;
import dev.pgconductor.internal.task.RegisteredTask;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.slf4j.MDC;

/** Runs one claimed execution's handler and turns what happened into an {@link Outcome}. */
final class ExecutionRunner<C> {
  static final String MDC_TASK = "pgconductor.task";
  static final String MDC_EXECUTION = "pgconductor.execution";
  static final String MDC_QUEUE = "pgconductor.queue";

  private final ConductorCore<C> core;
  private final String queue;

  ExecutionRunner(ConductorCore<C> core, String queue) {
    this.core = core;
    this.queue = queue;
  }

  Outcome run(RegisteredTask<?, ?, C> task, Claimed claimed) {
    String id = claimed.id().toString();
    MDC.put(MDC_TASK, task.name());
    MDC.put(MDC_EXECUTION, id);
    MDC.put(MDC_QUEUE, queue);
    try {
      return invoke(task, claimed, id);
    } catch (Throwable e) {
      return Outcome.failed(claimed, message(e), stackTrace(e), task.options().maxAttempts());
    } finally {
      MDC.remove(MDC_TASK);
      MDC.remove(MDC_EXECUTION);
      MDC.remove(MDC_QUEUE);
    }
  }

  private <P, R> Outcome invoke(RegisteredTask<P, R, C> task, Claimed claimed, String id)
      throws Exception {
    P payload;
    try {
      payload = core.json().read(claimed.payloadJson(), task.definition().payloadType());
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "payload cannot be read as " + task.definition().payloadType().getName() + ": "
              + e.getMessage(), e);
    }
    var logger = new Slf4jTaskLogger(core.taskLogger(), task.name(), id, queue);
    var ctx = new DefaultTaskContext<>(id, task.name(), queue, claimed.attempt(), logger, core.context());
    R result = task.handler().handle(new TaskEvent.Invoked<>(payload), ctx);
    return Outcome.completed(claimed, core.json().write(result));
  }

  static String message(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getName() : message;
  }

  static String stackTrace(Throwable e) {
    StringWriter out = new StringWriter();
    e.printStackTrace(new PrintWriter(out));
    return out.toString();
  }
}
