package dev.pgconductor;

/**
 * What creates executions of a task. A task registered without {@link #invocable()} cannot be
 * invoked.
 */
public sealed interface Trigger permits Trigger.Invocable {

  /** Allows {@link Conductor#invoke}; the handler sees a {@link TaskEvent.Invoked} event. */
  static Trigger invocable() {
    return Invocable.INSTANCE;
  }

  /** The invocable trigger. Event name {@value TaskEvent#INVOKE_EVENT}. */
  enum Invocable implements Trigger {
    INSTANCE
  }
}
