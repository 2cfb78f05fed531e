package dev.pgconductor;

import java.time.Instant;

/**
 * What a handler receives: the event that created the execution. Switch over the variants when a
 * task has several triggers.
 *
 * <pre>{@code
 * (event, ctx) -> switch (event) {
 *   case TaskEvent.Invoked<Report> e -> render(e.payload());
 *   case TaskEvent.Scheduled<Report> s when s.name().equals("morning") -> morning(s.scheduledFor());
 *   case TaskEvent.Scheduled<Report> s -> evening(s.scheduledFor());
 * }
 * }</pre>
 *
 * @param <P> payload type of the task
 */
public sealed interface TaskEvent<P>
    permits TaskEvent.Invoked, TaskEvent.Scheduled, TaskEvent.Emitted {

  /** Event name of executions created by {@code invoke}. */
  String INVOKE_EVENT = "pgconductor.invoke";

  /** The event name, e.g. {@value #INVOKE_EVENT}, or the name of a schedule. */
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

  /**
   * The execution is an occurrence of a cron schedule: a {@link Trigger#cron cron trigger} of the
   * task, or a dynamic schedule ({@link TaskContext#schedule}, {@link Conductor#schedule}).
   *
   * @param name the schedule's name
   * @param scheduledFor when this occurrence was due (it runs then or, after an outage, later)
   * @param payload the dynamic schedule's payload; null for a cron trigger
   */
  record Scheduled<P>(String name, Instant scheduledFor, P payload) implements TaskEvent<P> {}

  /**
   * The execution was created by an emitted custom event the task subscribes to ({@link
   * Trigger#event}).
   *
   * @param name the event's name
   * @param payload the event's payload (or its selected fields) read as the task's payload type
   */
  record Emitted<P>(String name, P payload) implements TaskEvent<P> {}
}
