package dev.pgconductor.reliability.scenario;

import dev.pgconductor.reliability.Scenario;
import dev.pgconductor.reliability.ScenarioRun;
import java.time.Duration;

/**
 * Lower priority: clock steps. Three workers whose Conductors run on clocks offset by 0, +1 h and
 * -1 h (an offset clock stands in for a stepped system clock) run order workflows with durable
 * sleeps. Heartbeats use the database clock, so no worker may look dead; the report says how the
 * durable sleeps fared.
 */
public final class ClockSteps implements Scenario {
  @Override
  public String name() {
    return "clock-step";
  }

  @Override
  public String description() {
    return "workers on clocks offset by 0, +1 h and -1 h";
  }

  @Override
  public void run(ScenarioRun run) throws Exception {
    long hour = Duration.ofHours(1).toMillis();
    run.launchWorker(false, 0);
    run.launchWorker(false, hour);
    run.launchWorker(false, -hour);
    run.workers().forEach(w -> w.awaitStarted(Duration.ofSeconds(90)));
    run.invokeOrders(run.isLong() ? 1_000 : 120, 10, 10, 1_000, true);
    boolean finished = run.awaitFinished(Duration.ofSeconds(run.isLong() ? 300 : 45), "order");
    run.note(
        run.queryLong("select count(*) from pgconductor.orchestrators")
            + " of 3 orchestrators registered at the end");
    if (!finished) {
      run.note(
          run.queryLong(
                  "select count(*) from pgconductor.executions"
                      + " where run_at > clock_timestamp() + interval '10 minutes'")
              + " executions are due more than 10 minutes from now (a sleep of 1 s recorded on"
              + " a clock an hour ahead)");
    }
    run.note(
        "orders that slept less than the 1 s asked (woken by a clock behind): "
            + run.queryLong(
                """
                select count(*) from harness.step_runs c join harness.step_runs s
                  on s.execution_id = c.execution_id and s.step = 'ship' and c.step = 'charge'
                where s.ran_at - c.ran_at < interval '1 second'
                """));
  }
}
