package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.ConductorListener;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.Task;
import dev.pgconductor.TaskSchemas;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The code of docs/listeners.md: a listener that counts runs per task and logs slow queue waits,
 * registered on a Conductor and on an Orchestrator.
 */
public final class ListenerExamples {
  private ListenerExamples() {}

  // tag::listener[]
  /** Counts runs per task, and logs the runs that waited long in the queue before they started. */
  public static final class TaskStats implements ConductorListener {
    private static final Logger LOG = LoggerFactory.getLogger(TaskStats.class);

    /** What one task's runs did so far. */
    public record Counts(long completed, long failed, long gaveUp, long slowStarts) {}

    /** The counters of one task; LongAdders, since handlers report on many threads at once. */
    private static final class Counters {
      final LongAdder completed = new LongAdder();
      final LongAdder failed = new LongAdder();
      final LongAdder gaveUp = new LongAdder();
      final LongAdder slowStarts = new LongAdder();
    }

    private final ConcurrentMap<String, Counters> byTask = new ConcurrentHashMap<>();
    private final Duration slowWait;

    public TaskStats(Duration slowWait) {
      this.slowWait = slowWait;
    }

    @Override
    public void executionStarted(Started event) {
      // queueWait: from when the execution was due to when a worker claimed it
      if (event.queueWait().compareTo(slowWait) > 0) {
        counters(event.taskName()).slowStarts.increment();
        LOG.warn(
            "{} {} waited {} in queue '{}' before attempt {}",
            event.taskName(),
            event.executionId(),
            event.queueWait(),
            event.queue(),
            event.attempt());
      }
    }

    @Override
    public void executionCompleted(Completed event) {
      counters(event.taskName()).completed.increment();
    }

    @Override
    public void executionFailed(Failed event) {
      Counters counters = counters(event.taskName());
      counters.failed.increment(); // every failed attempt
      if (!event.willRetry()) {
        counters.gaveUp.increment(); // its last attempt: the execution failed for good
      }
    }

    /** The counts of one task. */
    public Counts counts(String task) {
      Counters c = counters(task);
      return new Counts(c.completed.sum(), c.failed.sum(), c.gaveUp.sum(), c.slowStarts.sum());
    }

    private Counters counters(String task) {
      return byTask.computeIfAbsent(task, t -> new Counters());
    }
  }

  // end::listener[]

  /** A Conductor whose listener hears its invokes and every orchestrator built on it. */
  public static Conductor<Void> connect(String url, TaskSchemas tasks, TaskStats stats) {
    // tag::conductor-listener[]
    Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url)
            .tasks(tasks)
            .listener(stats) // this Conductor's invokes and cancels, and all its orchestrators
            .build();
    // end::conductor-listener[]
    return conductor;
  }

  /** An orchestrator with a listener of its own. */
  public static Orchestrator orchestrator(
      Conductor<?> conductor, List<Task<?, ?>> tasks, ConductorListener listener) {
    // tag::orchestrator-listener[]
    Orchestrator orchestrator =
        Orchestrator.builder(conductor)
            .tasks(tasks)
            .listener(listener) // this orchestrator's work only, after the Conductor's listeners
            .build();
    // end::orchestrator-listener[]
    return orchestrator;
  }
}
