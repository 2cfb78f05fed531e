package dev.pgconductor;

import java.time.Duration;
import java.util.List;

/**
 * What a batch handler may use while it runs: the executions of its batch, a logger, the custom
 * context, the abort signal, and a durable sleep of the whole batch. Batch handlers have no steps
 * and invoke no children (this interface has neither): a batch is retried, slept and resumed as a
 * whole, so its code runs from the start each time.
 *
 * @param <C> custom context type
 */
public interface BatchTaskContext<C> {
  /** The task's name. */
  String taskName();

  /** The queue it runs on. */
  String queue();

  /** The ids of the executions in this batch, in the order of the handler's events. */
  List<String> executionIds();

  /** A logger that tags each line with the task and the batch's first execution. */
  TaskLogger logger();

  /** The Conductor's custom context ({@code null} when none was configured). */
  C context();

  /** Aborted when the worker stops: finish soon, or throw; the batch then runs again later. */
  TaskSignal signal();

  /**
   * Puts every execution of the batch to sleep for {@code duration}, durably: the run ends here,
   * the executions are due again when the sleep is over, and then run again, from the start of the
   * handler, in one batch. This call then returns at once for them (the sleep is remembered by
   * {@code name}), so the code after it runs. Code before the sleep runs again after it: keep it
   * free of effects that must not repeat. An execution that joined the batch since and has not
   * slept sleeps on its own first, and the others go on without it.
   */
  void sleep(String name, Duration duration);

  /** Ends the run here when the worker is stopping, so the batch resumes later. */
  void checkpoint();
}
