package dev.pgconductor.internal.db;

import dev.pgconductor.internal.schedule.CronExpressions;
import dev.pgconductor.internal.util.UuidV7;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.UUID;

/**
 * A batch of outcomes in the form {@code pgconductor.flush} takes it: the ids, and a {@code
 * pgconductor.outcome_batch} value with one array per field of {@code pgconductor.outcome}. The
 * sealed {@link Outcome} maps to the fields here, and only here; {@link #literal()} writes the
 * composite value as Postgres reads it.
 */
final class OutcomeBatch {
  private final int size;
  private final UUID[] ids;
  private final Integer[] leases;
  private final String[] kinds;
  private final String[] results;
  private final String[] errors;
  private final String[] stacks;
  private final Integer[] maxAttempts;
  private final Integer[] retryDelaysMs;
  private final Instant[] runAts;
  private final String[] steps;
  private final UUID[] childIds;
  private final String[] childTasks;
  private final String[] childQueues;
  private final String[] childPayloads;
  private final Integer[] attempts;
  private final Boolean[] hasSteps;
  private String[] childTraceContexts; // null until an outcome has one (tracing)

  /** Outcomes whose next occurrence (of a scheduled execution) comes after {@code now}. */
  OutcomeBatch(List<Outcome> outcomes, Instant now) {
    size = outcomes.size();
    ids = new UUID[size];
    leases = new Integer[size];
    kinds = new String[size];
    results = new String[size];
    errors = new String[size];
    stacks = new String[size];
    maxAttempts = new Integer[size];
    retryDelaysMs = new Integer[size];
    runAts = new Instant[size];
    steps = new String[size];
    childIds = new UUID[size];
    childTasks = new String[size];
    childQueues = new String[size];
    childPayloads = new String[size];
    attempts = new Integer[size];
    hasSteps = new Boolean[size];
    for (int i = 0; i < size; i++) {
      add(i, outcomes.get(i));
      nextOccurrence(i, outcomes.get(i), now);
    }
  }

  /**
   * An occurrence of a schedule that may end here (completed, failed, cancelled, interrupted)
   * carries its schedule's next occurrence in {@code run_at} and {@code child_id}, which those
   * kinds do not use otherwise; the flush creates it if the execution finished.
   */
  private void nextOccurrence(int i, Outcome outcome, Instant now) {
    Claimed.Occurrence occurrence = outcome.claimed().occurrence();
    if (occurrence == null
        || !(outcome instanceof Outcome.Completed
            || outcome instanceof Outcome.Failed
            || outcome instanceof Outcome.Cancelled
            || outcome instanceof Outcome.Interrupted)) {
      return;
    }
    Instant after =
        occurrence.scheduledFor() != null && occurrence.scheduledFor().isAfter(now)
            ? occurrence.scheduledFor()
            : now;
    CronExpressions.next(occurrence.cron(), ZoneId.of(occurrence.zone()), after)
        .ifPresent(
            next -> {
              runAts[i] = next;
              childIds[i] = UuidV7.next();
            });
  }

  /**
   * When work written by this batch becomes due later, as far as the batch tells: the ends of
   * sleeps, the deadlines of waits for children, and the next occurrences of schedules (whether the
   * flush creates them or not).
   */
  List<Instant> dueLater() {
    List<Instant> due = new java.util.ArrayList<>();
    for (int i = 0; i < size; i++) {
      if (runAts[i] != null) { // a sleep's end, a wait's deadline, a next occurrence
        due.add(runAts[i]);
      }
    }
    return due;
  }

  private void add(int i, Outcome outcome) {
    ids[i] = outcome.id();
    leases[i] = outcome.claimed().lease();
    hasSteps[i] = outcome.hasSteps();
    kinds[i] =
        switch (outcome) {
          case Outcome.Completed c -> {
            results[i] = c.resultJson();
            yield "completed";
          }
          case Outcome.Failed f -> {
            errors[i] = f.error();
            stacks[i] = f.stack();
            maxAttempts[i] = f.maxAttempts();
            if (f.retryDelay() != null) {
              retryDelaysMs[i] = (int) Math.min(Integer.MAX_VALUE, f.retryDelay().toMillis());
            }
            yield "failed";
          }
          case Outcome.Released r -> "released";
          case Outcome.Interrupted r -> {
            errors[i] = r.error();
            maxAttempts[i] = r.maxAttempts();
            yield "interrupted";
          }
          case Outcome.Unstarted u -> "unstarted";
          case Outcome.Sleeping s -> {
            runAts[i] = s.until();
            yield "sleeping";
          }
          case Outcome.Waiting w -> {
            steps[i] = w.step();
            runAts[i] = w.deadline();
            attempts[i] = w.claimed().attempt();
            childIds[i] = w.child().id();
            if (w.child().payloadJson() != null) { // a new child, created by the flush
              childTasks[i] = w.child().task();
              childQueues[i] = w.child().queue();
              childPayloads[i] = w.child().payloadJson();
              if (w.child().traceContext() != null) {
                if (childTraceContexts == null) {
                  childTraceContexts = new String[size];
                }
                childTraceContexts[i] = w.child().traceContext();
              }
            }
            yield "waiting";
          }
          case Outcome.Cancelled c -> "cancelled";
        };
  }

  /** The ids, in order. */
  UUID[] ids() {
    return ids;
  }

  /** The {@code pgconductor.outcome_batch} value (all but the ids), as a composite literal. */
  String literal() {
    StringBuilder out = new StringBuilder(64 + size * 48);
    out.append('(');
    Object[][] fields = {
      leases,
      kinds,
      results,
      errors,
      stacks,
      maxAttempts,
      retryDelaysMs,
      runAts,
      steps,
      childIds,
      childTasks,
      childQueues,
      childPayloads,
      attempts,
      hasSteps
    };
    for (int f = 0; f < fields.length; f++) {
      if (f > 0) {
        out.append(',');
      }
      quoted(out, array(fields[f]));
    }
    out.append(',');
    if (childTraceContexts != null) { // else an empty field: a null array, as no tracer sends
      quoted(out, array(childTraceContexts));
    }
    return out.append(')').toString();
  }

  /** An array literal; every element quoted (or NULL), so no element needs a rule of its own. */
  private static String array(Object[] elements) {
    StringBuilder out = new StringBuilder(2 + elements.length * 8).append('{');
    for (int i = 0; i < elements.length; i++) {
      if (i > 0) {
        out.append(',');
      }
      if (elements[i] == null) {
        out.append("NULL");
      } else {
        quoted(out, elements[i].toString());
      }
    }
    return out.append('}').toString();
  }

  /** Double quotes around {@code text}, with its quotes and backslashes escaped by a backslash. */
  private static void quoted(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\');
      }
      out.append(c);
    }
    out.append('"');
  }
}
