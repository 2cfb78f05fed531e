package dev.pgconductor.bench.scenario;

import dev.pgconductor.Conductor;
import dev.pgconductor.Invocation;
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
 * Scenario 2: enqueue in batches (1,000 executions per {@code invokeBatch} call) from one caller.
 * The invocation objects are built before the clock starts; validation, JSON and the database round
 * trips are measured.
 */
public final class EnqueueBatchScenario implements Scenario {
  @Override
  public int number() {
    return 2;
  }

  @Override
  public String title() {
    return "batch enqueue";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    int jobs = context.options().jobs();
    int batch = context.options().enqueueBatch();
    String variant = batch + " per call";
    List<Trial> trials = new ArrayList<>();
    trials.add(Trial.subject(variant, db -> run(db, jobs, batch)));
    trials.addAll(context.peerTrials(new Workload.EnqueueBatch(jobs, batch), variant));
    return trials;
  }

  static Measurement run(BenchDatabase db, int jobs, int batch) throws Exception {
    try (Conductor<Void> conductor = PgcHarness.conductor(db)) {
      List<List<Invocation<Noop>>> batches = new ArrayList<>();
      for (int done = 0; done < jobs; done += batch) {
        batches.add(PgcHarness.invocations(done, Math.min(batch, jobs - done)));
      }
      Measurement m =
          LoadDriver.enqueueBatch(
              jobs,
              batch,
              (from, count) -> conductor.invokeBatch(PgcHarness.NOOP, batches.get(from / batch)));
      PgcHarness.requireStored(db, jobs);
      return m;
    }
  }
}
