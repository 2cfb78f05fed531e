package dev.pgconductor.reliability.scenario;

import dev.pgconductor.reliability.Scenario;
import dev.pgconductor.reliability.ScenarioRun;
import dev.pgconductor.reliability.Trickle;
import dev.pgconductor.reliability.WorkerProcess;
import java.time.Duration;

/**
 * Scenario 2: a rolling restart under load. One of three workers gets SIGTERM every 2 to 3 seconds
 * (a graceful stop through its shutdown hook) and a replacement starts. A graceful stop hands work
 * back without using attempts, so attempts used by faults should stay 0 here.
 */
public final class SigtermUnderLoad implements Scenario {
  @Override
  public String name() {
    return "sigterm";
  }

  @Override
  public String description() {
    return "SIGTERM of one of 3 workers every 2-3 s, replaced at once; order workflows";
  }

  @Override
  public void run(ScenarioRun run) throws Exception {
    int total = run.isLong() ? 2_000 : 160;
    double seconds = run.isLong() ? 120 : 8;
    run.startWorkers(3, false);
    int stops = 0;
    int slow = 0;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    try (Trickle trickle = run.trickleOrders(total, seconds, 30, 10, 300)) {
      while (System.nanoTime() < end || !trickle.done()) {
        run.pause(2000, 3000);
        WorkerProcess victim = run.randomStartedWorker();
        if (victim != null) {
          run.fault("SIGTERM", victim.name());
          victim.terminate();
          run.launchWorker(false, 0);
          stops++;
          Duration allowed = run.settings().shutdownGrace().plusSeconds(10);
          if (!victim.awaitExit(allowed)) {
            slow++;
            victim.kill();
          }
        }
      }
      run.noteIfGaveUp(trickle);
    }
    run.note(stops + " graceful stops");
    if (slow > 0) {
      run.note(slow + " workers did not exit within shutdownGrace + 10 s and were killed");
    }
    run.awaitFinished(Duration.ofSeconds(60), "order");
  }
}
