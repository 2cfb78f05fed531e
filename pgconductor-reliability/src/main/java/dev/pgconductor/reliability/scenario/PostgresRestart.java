package dev.pgconductor.reliability.scenario;

import dev.pgconductor.reliability.PgCluster.StopMode;
import dev.pgconductor.reliability.Scenario;
import dev.pgconductor.reliability.ScenarioRun;
import dev.pgconductor.reliability.Trickle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 3: Postgres goes away under load and comes back on the same data directory: stopped fast
 * (clean) or immediate (crash recovery on start), with outages shorter and longer than the
 * heartbeat timeout. The workers keep running throughout.
 */
public final class PostgresRestart implements Scenario {
  private record Outage(StopMode mode, int seconds) {}

  @Override
  public String name() {
    return "pg-restart";
  }

  @Override
  public String description() {
    return "Postgres stopped under load: short version fast 2 s and immediate 8 s (longer than"
        + " the heartbeat timeout); long version fast and immediate, 2 s and 30 s each";
  }

  @Override
  public void run(ScenarioRun run) throws Exception {
    List<Outage> outages = new ArrayList<>();
    outages.add(new Outage(StopMode.FAST, 2));
    if (run.isLong()) {
      outages.add(new Outage(StopMode.IMMEDIATE, 2));
      outages.add(new Outage(StopMode.FAST, 30));
      outages.add(new Outage(StopMode.IMMEDIATE, 30));
    } else {
      outages.add(new Outage(StopMode.IMMEDIATE, 8)); // longer than the heartbeat timeout
    }
    int total = run.isLong() ? 1_500 : 200;
    run.startWorkers(3, false);
    double seconds = outages.stream().mapToInt(o -> o.seconds + 4).sum();
    try (Trickle trickle = run.trickleOrders(total, seconds, 30, 10, 300)) {
      for (Outage outage : outages) {
        run.pause(2000, 3000);
        run.fault("pg stop " + outage.mode + " " + outage.seconds + " s", null);
        long before = completedOrders(run);
        run.cluster().stop(outage.mode);
        Thread.sleep(outage.seconds * 1000L); // the outage itself
        run.cluster().start();
        run.note(
            "outage "
                + outage.mode.name().toLowerCase()
                + " "
                + outage.seconds
                + " s: "
                + run.liveWorkers().size()
                + " of 3 workers alive after it ("
                + before
                + " orders completed before)");
      }
      trickle.await();
      run.noteIfGaveUp(trickle);
    }
    long dead = run.workers().stream().filter(w -> !w.isAlive()).count();
    if (dead > 0) {
      run.note(dead + " workers exited during the outages; replaced");
      for (int i = 0; i < dead; i++) {
        run.launchWorker(false, 0);
      }
    }
    run.awaitFinished(Duration.ofSeconds(90), "order");
    long lostRuns =
        run.queryLong(
            "select count(*) from pgconductor.finished_executions"
                + " where last_error like 'orchestrator % stopped heartbeating%'");
    run.note(lostRuns + " executions carry a 'stopped heartbeating' error (runs lost to outages)");
  }

  private static long completedOrders(ScenarioRun run) {
    return run.queryLong(
        "select count(*) from pgconductor.finished_executions where task_key = 'rel.order'");
  }
}
