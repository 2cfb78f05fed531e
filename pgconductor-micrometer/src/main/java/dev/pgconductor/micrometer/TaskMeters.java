package dev.pgconductor.micrometer;

import dev.pgconductor.ConductorListener.Reason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The meters of one task on one queue. Each is registered when first used, so a process that only
 * invokes a task shows no run meters for it, and then kept here: the listener's hot path reads a
 * field, never the registry.
 */
final class TaskMeters {
  private final MeterRegistry registry;
  private final Tags tags;

  final Lazy<Counter> invoked;
  final Lazy<Counter> started;
  final Lazy<Counter> completed;
  final Lazy<Counter> failed;
  final Lazy<Counter> retried;
  final Lazy<Counter> cancelled;
  final Lazy<Counter> releasedSleep;
  final Lazy<Counter> releasedChild;
  final Lazy<Counter> releasedStop;
  final Lazy<Timer> queueWait;
  final Lazy<Timer> completedDuration;
  final Lazy<Timer> failedDuration;
  final Lazy<Timer> retriedDuration;
  final Lazy<Timer> releasedDuration;

  /** Runs of this task in progress in this process. */
  private final LongAdder running = new LongAdder(); // many handler threads at once

  private final Lazy<Gauge> runningGauge;

  TaskMeters(MeterRegistry registry, Tags common, String task, String queue) {
    this.registry = registry;
    this.tags = common.and(PgConductorMetrics.TAG_TASK, task, PgConductorMetrics.TAG_QUEUE, queue);
    invoked = counter(PgConductorMetrics.INVOKED, "Executions stored by invoke or invokeBatch");
    started = counter(PgConductorMetrics.STARTED, "Runs started by a worker of this process");
    completed = counter(PgConductorMetrics.COMPLETED, "Runs that completed their execution");
    failed =
        counter(
            PgConductorMetrics.FAILED,
            "Runs that failed on their last attempt: the execution failed for good");
    retried =
        counter(PgConductorMetrics.RETRIED, "Runs that failed and will be retried after a backoff");
    cancelled = counter(PgConductorMetrics.CANCELLED, "Executions cancelled");
    releasedSleep = releasedCounter(Reason.SLEEP);
    releasedChild = releasedCounter(Reason.CHILD);
    releasedStop = releasedCounter(Reason.STOP);
    queueWait =
        timer(
            PgConductorMetrics.QUEUE_WAIT,
            Tags.empty(),
            "From when an execution was due to when a worker claimed it");
    completedDuration = duration("completed");
    failedDuration = duration("failed");
    retriedDuration = duration("retried");
    releasedDuration = duration("released");
    runningGauge =
        new Lazy<>(
            () ->
                Gauge.builder(PgConductorMetrics.RUNNING, running, LongAdder::sum)
                    .tags(tags)
                    .description("Runs in progress in this process")
                    .strongReference(true)
                    .register(registry));
  }

  /** A run of this task started here. */
  void runStarted() {
    runningGauge.get();
    running.increment();
  }

  /** A run of this task that started here ended. */
  void runEnded() {
    running.decrement();
  }

  Lazy<Counter> released(Reason reason) {
    return switch (reason) {
      case SLEEP -> releasedSleep;
      case CHILD -> releasedChild;
      case STOP -> releasedStop;
    };
  }

  private Lazy<Counter> releasedCounter(Reason reason) {
    return new Lazy<>(
        () ->
            Counter.builder(PgConductorMetrics.RELEASED)
                .tags(
                    tags.and(PgConductorMetrics.TAG_REASON, reason.name().toLowerCase(Locale.ROOT)))
                .description("Runs that ended without finishing their execution, by reason")
                .register(registry));
  }

  private Lazy<Counter> counter(String name, String description) {
    return new Lazy<>(
        () -> Counter.builder(name).tags(tags).description(description).register(registry));
  }

  private Lazy<Timer> duration(String outcome) {
    return timer(
        PgConductorMetrics.DURATION,
        Tags.of(PgConductorMetrics.TAG_OUTCOME, outcome),
        "How long a run's handler ran, by how the run ended");
  }

  private Lazy<Timer> timer(String name, Tags extra, String description) {
    return new Lazy<>(
        () ->
            Timer.builder(name).tags(tags.and(extra)).description(description).register(registry));
  }

  /**
   * A meter registered on first use, once: Micrometer warns when a gauge is registered twice, even
   * with the same state.
   */
  static final class Lazy<M> {
    private final Supplier<M> make;
    private volatile M meter;

    Lazy(Supplier<M> make) {
      this.make = make;
    }

    M get() {
      M m = meter;
      return m != null ? m : register();
    }

    private synchronized M register() {
      M m = meter;
      if (m == null) {
        m = make.get();
        meter = m;
      }
      return m;
    }
  }
}
