package dev.pgconductor.reliability.scenario;

import dev.pgconductor.reliability.FaultProxy;
import dev.pgconductor.reliability.Scenario;
import dev.pgconductor.reliability.ScenarioRun;
import dev.pgconductor.reliability.WorkerProcess;
import java.time.Duration;

/**
 * Scenario 6: one worker's connections to Postgres are black-holed by its {@link FaultProxy} for
 * longer than its lease (twice the heartbeat timeout) while its handlers keep running; then the
 * network heals and its late writes arrive. They must be rejected: the others completed those
 * executions meanwhile, so no duplicate completion and still exactly one transactional effect.
 */
public final class BlackHole implements Scenario {
  @Override
  public String name() {
    return "blackhole";
  }

  @Override
  public String description() {
    return "proxy black-hole of one worker for 2x the heartbeat timeout while its handlers run";
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
    int rounds = run.isLong() ? 5 : 1;
    run.startWorkers(3, true);
    Duration cutFor = run.settings().heartbeatTimeout().multipliedBy(2);
    double worst = 0;
    for (int i = 0; i < rounds; i++) {
      // slow plain steps: the handlers are mid-step when the network goes
      run.invokeOrders(60, 700, 300, 100, true);
      run.pause(1500, 2500);
      WorkerProcess victim = run.randomStartedWorker();
      FaultProxy proxy = run.proxyOf(victim);
      String from = run.dbTime();
      run.recoveries().faultAndTrack(victim, "black-hole", proxy::blackHole);
      // the partition itself, meanwhile watching the healthy workers' heartbeats
      worst = Math.max(worst, run.worstHeartbeatAge(victim.orchestratorId(), cutFor));
      proxy.heal();
      run.note(victim.name() + " cut off from " + from + " to " + run.dbTime());
    }
    run.awaitFinished(Duration.ofSeconds(60), "order");
    double timeout = run.settings().heartbeatTimeout().toMillis() / 1000.0;
    run.note(
        String.format(
            "worst heartbeat age of the healthy workers while one was cut off: %.1f s"
                + " (timeout %.1f s)%s",
            worst,
            timeout,
            worst >= timeout
                ? "; DEFECT 1: the cut-off worker's open transaction stalled the others'"
                    + " heartbeats"
                : ""));
    run.note(
        run.queryLong(
                "select count(*) from harness.step_runs r join harness.faults f"
                    + " on f.kind = 'black-hole' and r.worker = f.worker"
                    + " and r.ran_at between f.at and f.at + ?::interval",
                cutFor.toMillis() + " milliseconds")
            + " step bodies ran on black-holed workers while cut off");
    run.note(
        run.liveWorkers().size() + " of " + run.workers().size() + " workers alive at the end");
  }
}
