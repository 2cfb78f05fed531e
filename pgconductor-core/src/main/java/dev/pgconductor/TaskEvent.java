package dev.pgconductor;

/**
 * What a handler receives: the event that created the execution. Switch over the variants when a
 * task has several triggers.
 *
 * @param <P> payload type of the task
 */
public sealed interface TaskEvent<P> permits TaskEvent.Invoked {

  /** Event name of executions created by {@code invoke}. */
  String INVOKE_EVENT = "pgconductor.invoke";

  /** The event name, e.g. {@value #INVOKE_EVENT}. */
  String name();

  /** The payload the execution was created with. */
  P payload();

  /**
   * The execution was created by {@link Conductor#invoke}.
   *
   * @param payload the invoke payload
   */
  record Invoked<P>(P payload) implements TaskEvent<P> {
    @Override
    public String name() {
      return INVOKE_EVENT;
    }
  }
}
