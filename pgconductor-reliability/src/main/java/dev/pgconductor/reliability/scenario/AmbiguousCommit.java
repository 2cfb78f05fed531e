package dev.pgconductor.reliability.scenario;

import dev.pgconductor.reliability.AmbiguousCommits;
import dev.pgconductor.reliability.Scenario;
import dev.pgconductor.reliability.ScenarioRun;
import dev.pgconductor.reliability.WorkerProcess;
import java.time.Duration;
import java.util.List;

/**
 * Lower priority: ambiguous commits. The workers' engine connections come from {@link
 * AmbiguousCommits}, which throws after 1% of successful commits. Orders must still complete with
 * no duplicate child, one transactional effect each, and no recorded step run twice.
 */
public final class AmbiguousCommit implements Scenario {
  @Override
  public String name() {
    return "ambiguous-commit";
  }

  @Override
  public String description() {
    return "1% of the workers' commits throw after succeeding";
  }

  @Override
  public void run(ScenarioRun run) throws Exception {
    for (int i = 0; i < 2; i++) {
      run.launchWorker(false, 0, List.of("--ambiguous-commit-rate", "0.01"));
    }
    for (WorkerProcess w : run.workers()) {
      w.awaitStarted(Duration.ofSeconds(90));
    }
    run.invokeOrders(run.isLong() ? 1_500 : 150, 10, 10, 100, true);
    run.awaitFinished(Duration.ofSeconds(run.isLong() ? 300 : 60), "order");
    run.note(
        run.workers().stream().mapToLong(WorkerProcess::ambiguousCommits).sum()
            + " commits threw after succeeding");
    run.note(
        run.queryLong(
                "select count(*) from pgconductor.finished_executions where task_key = 'rel.receipt'")
            + " receipt children for "
            + run.queryLong("select count(*) from harness.invokes where kind = 'order'")
            + " orders");
  }
}
