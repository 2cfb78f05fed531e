package dev.pgconductor.reliability.scenario;

import dev.pgconductor.reliability.Scenario;
import dev.pgconductor.reliability.ScenarioRun;
import dev.pgconductor.reliability.Trickle;
import dev.pgconductor.reliability.WorkerProcess;
import java.time.Duration;

/**
 * Scenario 1: three workers run order workflows (plain steps, a transactional step, a short sleep
 * and a child) while one of them is killed with SIGKILL every 1.5 to 3 seconds and replaced.
 */
public final class KillStorm implements Scenario {
  @Override
  public String name() {
    return "kill-storm";
  }

  @Override
  public String description() {
    return "kill -9 of one of 3 workers every 1.5-3 s, replaced at once; order workflows";
  }

  @Override
  public void run(ScenarioRun run) throws Exception {
    // each order has a child: the long version runs 20,000 executions
    int total = run.isLong() ? 10_000 : 170;
    double seconds = run.isLong() ? 600 : 10;
    run.startWorkers(3, false);
    int kills = 0;
    int held = 0;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    try (Trickle trickle = run.trickleOrders(total, seconds, 30, 10, 300)) {
      // the long version storms for its ten minutes whatever was invoked by then (the trickle
      // holds back while the workers are behind); the short one until all of it was invoked
      while (System.nanoTime() < end || (!run.isLong() && !trickle.done())) {
        run.pause(1500, 3000);
        // while replacements are still starting (slow on a loaded machine), the storm holds its
        // fire: killing the last running worker over and over would measure start-up, not rescue
        long running = run.liveWorkers().stream().filter(WorkerProcess::isStarted).count();
        if (running < 2) {
          held++;
          continue;
        }
        WorkerProcess victim = run.randomStartedWorker();
        if (victim != null) {
          run.recoveries().killAndTrack(victim, "kill -9");
          kills++;
          run.launchWorker(false, 0);
        }
      }
      run.noteIfGaveUp(trickle);
    }
    run.note(
        kills + " kills" + (held > 0 ? "; " + held + " rounds held while fewer than 2 ran" : ""));
    run.note(
        run.queryLong("select count(*) from harness.invokes where kind = 'order'")
            + " orders invoked (each with a child)");
    boolean finished = run.awaitFinished(Duration.ofSeconds(run.isLong() ? 300 : 60), "order");
    if (!finished) {
      run.note("not everything finished within the deadline after the last kill");
    }
  }
}
