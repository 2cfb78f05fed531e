package dev.pgconductor.micrometer;

import dev.pgconductor.ConductorListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Micrometer meters for pgconductor. As a {@link ConductorListener} it counts and times what this
 * process does (executions invoked, runs started, completed, retried, failed, cancelled and
 * released, handler durations, queue waits, runs in progress), tagged by task and queue; given a
 * {@link DataSource}, it also keeps gauges of the depth of every queue, read from the database on a
 * background thread and cached, so that a scrape never touches the database.
 *
 * <pre>{@code
 * PgConductorMetrics metrics = PgConductorMetrics.builder(registry).dataSource(dataSource).build();
 * Conductor<Void> conductor = Conductor.builder()
 *     .dataSource(dataSource).tasks(tasks).listener(metrics).build();
 * ...
 * metrics.close();   // stops the refreshes and removes the gauges
 * }</pre>
 *
 * <p>See docs/metrics.md for every meter, its tags and what the gauges cost.
 */
public final class PgConductorMetrics implements ConductorListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PgConductorMetrics.class);

  /** Counter: executions stored by {@code invoke} or {@code invokeBatch}; tags task, queue. */
  public static final String INVOKED = "pgconductor.executions.invoked";

  /** Counter: runs started by a worker of this process; tags task, queue. */
  public static final String STARTED = "pgconductor.executions.started";

  /** Counter: runs that completed their execution; tags task, queue. */
  public static final String COMPLETED = "pgconductor.executions.completed";

  /** Counter: runs that failed on the last attempt, so the execution failed; tags task, queue. */
  public static final String FAILED = "pgconductor.executions.failed";

  /** Counter: runs that failed and are retried after a backoff; tags task, queue. */
  public static final String RETRIED = "pgconductor.executions.retried";

  /** Counter: executions cancelled (not running, or at the end of a run); tags task, queue. */
  public static final String CANCELLED = "pgconductor.executions.cancelled";

  /**
   * Counter: runs that ended without finishing their execution; tags task, queue, reason (sleep,
   * child, stop).
   */
  public static final String RELEASED = "pgconductor.executions.released";

  /** Counter: executions of dead orchestrators released or failed by this process's rescues. */
  public static final String RESCUED = "pgconductor.executions.rescued";

  /**
   * Timer: how long a run's handler ran; tags task, queue, outcome (completed, retried, failed,
   * released).
   */
  public static final String DURATION = "pgconductor.executions.duration";

  /** Timer: from when an execution was due to when a worker claimed it; tags task, queue. */
  public static final String QUEUE_WAIT = "pgconductor.executions.queue.wait";

  /** Gauge: runs in progress in this process; tags task, queue. */
  public static final String RUNNING = "pgconductor.executions.running";

  /**
   * Gauge: executions of a queue that are not running, by state (ready, scheduled, waiting), as of
   * the last refresh; tags queue, state. Needs a {@link Builder#dataSource data source}.
   */
  public static final String DEPTH = "pgconductor.queue.depth";

  /**
   * Time gauge: how long the oldest ready execution of a queue has been due, as of the last
   * refresh; tag queue. Needs a {@link Builder#dataSource data source}.
   */
  public static final String OLDEST_READY_AGE = "pgconductor.queue.oldest.ready.age";

  static final String TAG_TASK = "task";
  static final String TAG_QUEUE = "queue";
  static final String TAG_OUTCOME = "outcome";
  static final String TAG_REASON = "reason";
  static final String TAG_STATE = "state";

  private final MeterRegistry registry;
  private final Tags tags;
  private final QueueGauges gauges; // null without a data source

  /** Meters by queue, then task: two lookups without allocation on the hot path. */
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, TaskMeters>> meters =
      new ConcurrentHashMap<>();

  /** Runs started here and not ended yet, by execution id. */
  private final ConcurrentHashMap<String, TaskMeters> running = new ConcurrentHashMap<>();

  private PgConductorMetrics(Builder builder) {
    this.registry = builder.registry;
    this.tags = builder.tags;
    this.gauges =
        builder.dataSource == null
            ? null
            : new QueueGauges(
                registry, tags, builder.dataSource, builder.depthLimit, builder.refreshInterval);
    if (gauges == null) {
      LOG.info("pgconductor metrics: listener meters only (no data source, so no queue gauges)");
    } else {
      LOG.info(
          "pgconductor metrics: queue gauges refreshed every {} ms, depth counted up to {} per"
              + " queue and state",
          builder.refreshInterval.toMillis(),
          builder.depthLimit);
    }
  }

  /** A builder of metrics registered on {@code registry}. */
  public static Builder builder(MeterRegistry registry) {
    return new Builder(registry);
  }

  /**
   * Reads the depth of every queue now, on the calling thread, and updates the gauges (they are
   * also refreshed in the background every refresh interval). Does nothing without a data source.
   *
   * @throws dev.pgconductor.PgConductorException when the database cannot be read; the gauges then
   *     read NaN until a refresh succeeds
   */
  public void refresh() {
    if (gauges != null) {
      gauges.refresh();
    }
  }

  /**
   * Stops the background refreshes and removes the queue gauges from the registry (they would only
   * repeat their last values). The listener's counters and timers stay registered and keep counting
   * while this is still a listener. Safe to call more than once.
   */
  @Override
  public void close() {
    if (gauges != null) {
      gauges.close();
    }
  }

  @Override
  public void executionInvoked(Invoked event) {
    meters(event.taskName(), event.queue()).invoked.get().increment();
  }

  @Override
  public void executionStarted(Started event) {
    TaskMeters m = meters(event.taskName(), event.queue());
    m.started.get().increment();
    m.queueWait.get().record(event.queueWait());
    m.runStarted();
    TaskMeters earlier = running.put(event.executionId(), m);
    if (earlier != null) {
      earlier.runEnded(); // an end not heard: count each execution once
    }
  }

  @Override
  public void executionCompleted(Completed event) {
    TaskMeters m = meters(event.taskName(), event.queue());
    m.completed.get().increment();
    m.completedDuration.get().record(event.duration());
    ended(event.executionId());
  }

  @Override
  public void executionFailed(Failed event) {
    TaskMeters m = meters(event.taskName(), event.queue());
    if (event.willRetry()) {
      m.retried.get().increment();
      m.retriedDuration.get().record(event.duration());
    } else {
      m.failed.get().increment();
      m.failedDuration.get().record(event.duration());
    }
    ended(event.executionId());
  }

  @Override
  public void executionCancelled(Cancelled event) {
    meters(event.taskName(), event.queue()).cancelled.get().increment();
    ended(event.executionId());
  }

  @Override
  public void executionReleased(Released event) {
    TaskMeters m = meters(event.taskName(), event.queue());
    m.released(event.reason()).get().increment();
    // one handed back before its handler started has no run to time
    if (ended(event.executionId())) {
      m.releasedDuration.get().record(event.duration());
    }
  }

  @Override
  public void executionsRescued(Rescued event) {
    registry.counter(RESCUED, tags).increment(event.executions());
  }

  /** Ends the run of an execution if it started here; false when it did not. */
  private boolean ended(String executionId) {
    TaskMeters m = running.remove(executionId);
    if (m == null) {
      return false;
    }
    m.runEnded();
    return true;
  }

  private TaskMeters meters(String task, String queue) {
    ConcurrentHashMap<String, TaskMeters> byTask = meters.get(queue);
    if (byTask != null) {
      TaskMeters m = byTask.get(task);
      if (m != null) {
        return m;
      }
    }
    return meters
        .computeIfAbsent(queue, q -> new ConcurrentHashMap<>())
        .computeIfAbsent(task, t -> new TaskMeters(registry, tags, t, queue));
  }

  /** Settings of {@link PgConductorMetrics}; every one but the registry is optional. */
  public static final class Builder {
    private final MeterRegistry registry;
    private Tags tags = Tags.empty();
    private DataSource dataSource;
    private Duration refreshInterval = Duration.ofSeconds(10);
    private int depthLimit = 10_000;

    private Builder(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** Tags added to every meter, besides the registry's common tags. */
    public Builder tags(Iterable<Tag> tags) {
      this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
      return this;
    }

    /**
     * The database whose queues the gauges read (the Conductor's). Without one there are no queue
     * gauges; the listener's meters work either way. Every refresh borrows one connection for one
     * query.
     */
    public Builder dataSource(DataSource dataSource) {
      this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
      return this;
    }

    /** How often the gauges are read from the database (default 10 s; at least 100 ms). */
    public Builder refreshInterval(Duration refreshInterval) {
      Objects.requireNonNull(refreshInterval, "refreshInterval");
      if (refreshInterval.compareTo(Duration.ofMillis(100)) < 0) {
        throw new IllegalArgumentException(
            "refreshInterval must be at least 100 ms, was " + refreshInterval);
      }
      this.refreshInterval = refreshInterval;
      return this;
    }

    /**
     * Up to how many executions per queue a refresh counts as ready, and up to how many as due
     * later (scheduled and waiting together); a gauge at this value means at least that many.
     * Default 10,000. The work of a refresh grows with it.
     */
    public Builder depthLimit(int depthLimit) {
      if (depthLimit < 1) {
        throw new IllegalArgumentException("depthLimit must be at least 1, was " + depthLimit);
      }
      this.depthLimit = depthLimit;
      return this;
    }

    /**
     * Builds the metrics; with a data source, the first refresh of the gauges starts at once, on
     * the thread {@code pgconductor-metrics}.
     */
    public PgConductorMetrics build() {
      return new PgConductorMetrics(this);
    }
  }
}
