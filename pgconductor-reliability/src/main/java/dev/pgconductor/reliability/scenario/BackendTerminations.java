package dev.pgconductor.reliability.scenario;

import dev.pgconductor.reliability.Scenario;
import dev.pgconductor.reliability.ScenarioRun;
import dev.pgconductor.reliability.Trickle;
import java.time.Duration;

/**
 * Scenario 4: every 2 seconds the driver terminates every Postgres backend of the workers' engine
 * connections ({@code pg_terminate_backend}), as a failover or an administrator would. The step
 * log's connections are spared so that the runs stay visible.
 */
public final class BackendTerminations implements Scenario {
  @Override
  public String name() {
    return "backend-kill";
  }

  @Override
  public String description() {
    return "pg_terminate_backend of all workers' engine connections every 2 s";
  }

  @Override
  public void run(ScenarioRun run) throws Exception {
    int total = run.isLong() ? 2_000 : 150;
    double seconds = run.isLong() ? 120 : 8;
    run.startWorkers(3, false);
    long terminated = 0;
    int rounds = 0;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    try (Trickle trickle = run.trickleOrders(total, seconds, 30, 10, 300)) {
      while (System.nanoTime() < end || !trickle.done()) {
        Thread.sleep(2000); // the pace of the fault
        run.fault("pg_terminate_backend", null);
        rounds++;
        terminated +=
            run.queryLong(
                "select count(*) filter (where pg_terminate_backend(pid))"
                    + " from pg_stat_activity where application_name like 'rel-w%'");
      }
      run.noteIfGaveUp(trickle);
    }
    run.note(rounds + " rounds terminated " + terminated + " backends");
    run.awaitFinished(Duration.ofSeconds(60), "order");
    run.note(
        run.liveWorkers().size() + " of " + run.workers().size() + " workers alive at the end");
  }
}
