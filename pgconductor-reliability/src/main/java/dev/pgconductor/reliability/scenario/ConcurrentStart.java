package dev.pgconductor.reliability.scenario;

import dev.pgconductor.reliability.Scenario;
import dev.pgconductor.reliability.ScenarioRun;
import dev.pgconductor.reliability.WorkerProcess;
import dev.pgconductor.reliability.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 8: ten worker JVMs start together on an empty database, so they all race to install the
 * schema, and one of them is killed while it starts. The others must start, agree on one install
 * (each migration recorded once) and then run work.
 */
public final class ConcurrentStart implements Scenario {
  private static final int WORKERS = 10;

  @Override
  public String name() {
    return "cold-start";
  }

  @Override
  public String description() {
    return "10 worker JVMs start together on an empty database; one is killed mid-start";
  }

  @Override
  public boolean installsSchema() {
    return false;
  }

  @Override
  public void run(ScenarioRun run) throws Exception {
    List<WorkerProcess> workers = new ArrayList<>();
    for (int i = 0; i < WORKERS; i++) {
      workers.add(run.launchWorker(false, 0));
    }
    WorkerProcess victim = workers.get(WORKERS / 2);
    run.pause(1500, 2500); // the JVMs are loading classes or installing the schema by now
    boolean startedBeforeKill = victim.isStarted();
    run.recoveries().faultAndTrack(victim, "kill -9 mid-start", victim::kill);
    int started = 0;
    for (WorkerProcess w : workers) {
      if (w != victim) {
        w.awaitStarted(Duration.ofSeconds(120));
        started++;
      }
    }
    run.note(
        started
            + " of "
            + (WORKERS - 1)
            + " workers started; the killed one had "
            + (startedBeforeKill ? "already started" : "not started yet"));
    run.note(
        run.queryLong("select count(*) from pgconductor.orchestrators")
            + " orchestrators registered; schema migrations recorded: "
            + String.join(
                ", ",
                run.queryStrings(
                    "select version || ' x' || count(*) from pgconductor.schema_migrations"
                        + " group by version order by version")));
    run.invoke(Workload.QUICK, "quick", run.isLong() ? 2_000 : 200, i -> new Workload.Quick(5));
    run.awaitFinished(Duration.ofSeconds(60), "quick");
  }
}
