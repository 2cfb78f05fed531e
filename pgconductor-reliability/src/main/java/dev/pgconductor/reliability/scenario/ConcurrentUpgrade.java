package dev.pgconductor.reliability.scenario;

import dev.pgconductor.reliability.NewerLibrary;
import dev.pgconductor.reliability.Scenario;
import dev.pgconductor.reliability.ScenarioRun;
import dev.pgconductor.reliability.WorkerProcess;
import dev.pgconductor.reliability.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Scenario 8b: ten worker JVMs of a newer library start together on a database of the older
 * version, with work waiting in it. They race to apply the one migration the driver's library does
 * not know (it takes {@link #MIGRATION_MILLIS}), and the worker whose connection is applying it is
 * killed in the middle. The migration must be applied exactly once, the others must start, and the
 * work that waited must run.
 */
public final class ConcurrentUpgrade implements Scenario {
  private static final int WORKERS = 10;
  private static final long MIGRATION_MILLIS = 3_000;

  @Override
  public String name() {
    return "upgrade-start";
  }

  @Override
  public String description() {
    return "10 worker JVMs of a newer version start together on an older schema with work"
        + " waiting; the one applying the migration is killed";
  }

  @Override
  public void run(ScenarioRun run) throws Exception {
    run.invoke(Workload.QUICK, "quick", run.isLong() ? 2_000 : 200, i -> new Workload.Quick(5));
    List<WorkerProcess> workers = new ArrayList<>();
    for (int i = 0; i < WORKERS; i++) {
      workers.add(
          run.launchWorker(
              false, 0, List.of("--upgrade-migration-ms", Long.toString(MIGRATION_MILLIS))));
    }
    // the worker whose engine connection sleeps inside the migration's transaction
    Optional<WorkerProcess> migrating = Optional.empty();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (migrating.isEmpty() && System.nanoTime() < deadline) {
      List<String> apps =
          run.queryStrings(
              "select application_name from pg_stat_activity where query like 'select pg_sleep%'"
                  + " and application_name like 'rel-w%'");
      migrating = workers.stream().filter(w -> apps.contains("rel-" + w.name())).findFirst();
      if (migrating.isEmpty()) {
        Thread.sleep(20); // polls pg_stat_activity for the migration
      }
    }
    if (migrating.isEmpty()) {
      run.note("ABORTED: no worker was seen applying the migration");
      return;
    }
    WorkerProcess victim = migrating.get();
    run.recoveries().faultAndTrack(victim, "kill -9 mid-migration", victim::kill);
    run.note("the worker applying the migration was killed in the middle of it");
    int started = 0;
    for (WorkerProcess w : workers) {
      if (w != victim) {
        w.awaitStarted(Duration.ofSeconds(120));
        started++;
      }
    }
    run.note(started + " of " + (WORKERS - 1) + " workers started");
    run.note(
        "schema migrations recorded: "
            + String.join(
                ", ",
                run.queryStrings(
                    "select version || ' x' || count(*) from pgconductor.schema_migrations"
                        + " group by version order by version"))
            + "; the migration committed "
            + run.queryLong("select count(*) from " + NewerLibrary.MARKER)
            + " time(s)");
    run.awaitFinished(Duration.ofSeconds(60), "quick");
  }
}
