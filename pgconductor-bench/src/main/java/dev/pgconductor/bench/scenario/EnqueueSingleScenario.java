package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.peer.Workload;
import dev.pgconductor.bench.scenario.PgcHarness.Noop;
import dev.pgconductor.bench.util.LoadDriver;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 1: enqueue one execution per call, with 50 callers in flight (like 50 request threads of
 * a web service each invoking a task). Measures calls completed per second.
 */
public final class EnqueueSingleScenario implements Scenario {
  @Override
  public int number() {
    return 1;
  }

  @Override
  public String title() {
    return "enqueue one at a time";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    int jobs = context.options().jobs();
    int callers = context.options().callers();
    List<Trial> trials = new ArrayList<>();
    trials.add(Trial.subject(callers + " callers", db -> run(db, jobs, callers)));
    trials.addAll(
        context.peerTrials(new Workload.EnqueueSingle(jobs, callers), callers + " callers"));
    return trials;
  }

  static Measurement run(BenchDatabase db, int jobs, int callers) throws Exception {
    try (Conductor<Void> conductor = PgcHarness.conductor(db)) {
      Measurement m =
          LoadDriver.enqueueSingle(
              jobs, callers, n -> conductor.invoke(PgcHarness.NOOP, new Noop(n)));
      PgcHarness.requireStored(db, jobs);
      return m;
    }
  }
}
