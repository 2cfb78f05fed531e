package dev.pgconductor.reliability.scenario;

import dev.pgconductor.reliability.Scenario;
import dev.pgconductor.reliability.ScenarioRun;
import dev.pgconductor.reliability.WorkerProcess;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Scenario 5: a worker is frozen with SIGSTOP for twice the heartbeat timeout while one of its
 * transactional step bodies holds its transaction open, then thawed with SIGCONT. Meanwhile the
 * other workers must keep heartbeating (no healthy orchestrator may look dead) and take over the
 * frozen worker's executions; after the thaw, the frozen worker's late writes must change nothing.
 */
public final class FrozenWorker implements Scenario {
  @Override
  public String name() {
    return "sigstop";
  }

  @Override
  public String description() {
    return "SIGSTOP of a worker inside a transactional step for 2x the heartbeat timeout, then"
        + " SIGCONT";
  }

  /**
   * A worker taken away inside a transactional step holds its execution's row lock until Postgres
   * ends the transaction ({@code idle_in_transaction_session_timeout} = heartbeatTimeout): the docs
   * allow that execution one heartbeatTimeout more.
   */
  @Override
  public Duration recoveryBound() {
    return settings().recoveryBound().plus(settings().heartbeatTimeout());
  }

  @Override
  public void run(ScenarioRun run) throws Exception {
    int freezes = run.isLong() ? 5 : 1;
    run.startWorkers(3, false);
    Duration frozenFor = run.settings().heartbeatTimeout().multipliedBy(2);
    double worstHeartbeatAge = 0;
    long healthyDeclaredDead = 0;
    for (int i = 0; i < freezes; i++) {
      // orders whose charge keeps its transaction open for 1.5 s, so a freeze lands inside one
      run.invokeOrders(40, 20, 1500, 200, true);
      WorkerProcess victim = awaitWorkerInCharge(run);
      if (victim == null) {
        run.note("no worker was seen inside a charge; freeze " + i + " skipped");
        continue;
      }
      run.recoveries().faultAndTrack(victim, "SIGSTOP", victim::freeze);
      worstHeartbeatAge =
          Math.max(worstHeartbeatAge, run.worstHeartbeatAge(victim.orchestratorId(), frozenFor));
      for (WorkerProcess w : run.liveWorkers()) {
        if (w != victim && w.isStarted() && !registered(run, w)) {
          healthyDeclaredDead++;
        }
      }
      victim.thaw();
    }
    run.awaitFinished(Duration.ofSeconds(60), "order");
    run.note(
        String.format(
            "worst heartbeat age of the healthy workers while one was frozen: %.1f s"
                + " (timeout %.1f s)",
            worstHeartbeatAge, run.settings().heartbeatTimeout().toMillis() / 1000.0));
    if (worstHeartbeatAge >= run.settings().heartbeatTimeout().toMillis() / 1000.0
        || healthyDeclaredDead > 0) {
      run.note(
          "DEFECT 1: the frozen worker stalled the others' heartbeats ("
              + healthyDeclaredDead
              + " healthy workers found deregistered)");
    }
  }

  private static boolean registered(ScenarioRun run, WorkerProcess w) {
    return run.queryLong(
            "select count(*) from pgconductor.orchestrators where id = ?::uuid", w.orchestratorId())
        > 0;
  }

  /** A worker whose charge body started within the last half second, or null after 20 s. */
  private static WorkerProcess awaitWorkerInCharge(ScenarioRun run) {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      for (WorkerProcess w : run.liveWorkers()) {
        if (w.isStarted()
            && run.queryLong(
                    "select count(*) from harness.step_runs where worker = ? and step = 'charge'"
                        + " and ran_at > clock_timestamp() - interval '500 milliseconds'",
                    w.name())
                > 0) {
          return w;
        }
      }
      LockSupport.parkNanos(50_000_000L);
    }
    return null;
  }
}
