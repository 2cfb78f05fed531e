package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.EventDefinition;
import dev.pgconductor.EventSchemas;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.scenario.PgcHarness.Noop;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 10: custom events fanned out to 1, 3 and 10 subscribed tasks, emitted in batches ({@code
 * emitBatch}, as many per call as scenario 2 enqueues) and one at a time. The number of events is
 * chosen so that every trial creates the same number of executions as scenario 2 enqueues, and the
 * throughput is executions created per second, comparable with it. The subscriptions are registered
 * by an orchestrator that starts and stops before the clock starts; no worker runs during the
 * measurement.
 */
public final class EmitScenario implements Scenario {
  static final EventDefinition<Noop> EVENT = EventDefinition.of("bench-event", Noop.class);

  @Override
  public int number() {
    return 10;
  }

  @Override
  public String title() {
    return "emit fan-out";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    int jobs = context.options().jobs();
    int batch = context.options().enqueueBatch();
    List<Trial> trials = new ArrayList<>();
    for (int subscribers : new int[] {1, 3, 10}) {
      trials.add(
          Trial.subject(
              subscribers + " subscribers, " + batch + " events per call",
              db -> run(db, jobs, subscribers, batch)));
    }
    int single = Math.max(3, jobs / 10);
    trials.add(Trial.subject("3 subscribers, single emits", db -> run(db, single, 3, 1)));
    return trials;
  }

  static Measurement run(BenchDatabase db, int executions, int subscribers, int batch)
      throws Exception {
    List<TaskDefinition<?, ?>> definitions = new ArrayList<>();
    for (int i = 0; i < subscribers; i++) {
      definitions.add(TaskDefinition.of("bench-subscriber-" + i, Noop.class));
    }
    int events = Math.max(1, executions / subscribers);
    try (Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(db.url())
            .tasks(TaskSchemas.of(definitions))
            .events(EventSchemas.of(EVENT))
            .poolSize(PgcHarness.POOL_SIZE)
            .build()) {
      conductor.ensureInstalled();
      List<Task<?, ?>> tasks = new ArrayList<>();
      for (TaskDefinition<?, ?> definition : definitions) {
        @SuppressWarnings("unchecked")
        TaskDefinition<Noop, Void> typed = (TaskDefinition<Noop, Void>) definition;
        tasks.add(
            conductor.createTask(TaskOptions.of(typed), Trigger.event(EVENT), (e, c) -> null));
      }
      try (Orchestrator registering =
          PgcHarness.orchestrator(conductor, tasks, WorkerConfig.DEFAULT)) {
        registering.start(); // writes the subscriptions; stopped before the measurement
      }
      List<List<Noop>> batches = new ArrayList<>();
      for (int done = 0; done < events; done += batch) {
        List<Noop> payloads = new ArrayList<>();
        for (int i = done; i < Math.min(events, done + batch); i++) {
          payloads.add(new Noop(i));
        }
        batches.add(payloads);
      }
      long t0 = System.nanoTime();
      for (List<Noop> payloads : batches) {
        if (payloads.size() == 1) {
          conductor.emit(EVENT, payloads.getFirst());
        } else {
          conductor.emitBatch(EVENT, payloads);
        }
      }
      long elapsed = System.nanoTime() - t0;
      long created = db.queryLong("select count(*) from pgconductor.executions");
      if (created != (long) events * subscribers) {
        throw new IllegalStateException(
            events + " events for " + subscribers + " subscribers created " + created);
      }
      return Measurement.of(Sample.throughput(created, elapsed))
          .withDetail("events_per_s", events * 1e9 / elapsed);
    }
  }
}
