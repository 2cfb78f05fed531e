package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.support.ChildJvm;
import dev.pgconductor.support.WorkflowWorkerMain;
import dev.pgconductor.support.Workflows;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Order workflows (charge in a transactional step, a plain step, a sleep, a child invocation, a
 * notify step) whose worker process is killed with SIGKILL at random moments, again and again.
 * Every workflow completes; every charge happened exactly once; no plain step ran again after its
 * result was recorded.
 */
class OrderWorkflowChaosIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  private static final int ORDERS = 20;
  private static final int KILLS = Integer.getInteger("pgconductor.chaos.kills", 8);

  @Test
  void workflowsSurviveRepeatedKillsWithExactlyOnceChargesAndNoStepRerunAfterItsRecord()
      throws Exception {
    Workflows.createTables(db.dataSource());
    Conductor<DataSource> conductor =
        db.closeAfter(
            Conductor.builder()
                .connectionString(db.url())
                .tasks(Workflows.SCHEMAS)
                .context((DataSource) db.dataSource())
                .build());
    conductor.ensureInstalled();
    List<String> ids =
        conductor.invokeBatch(
            Workflows.ORDER,
            IntStream.range(0, ORDERS)
                .mapToObj(i -> Invocation.of(new Workflows.Order("order-" + i, 100 + i)))
                .toList());

    long seed = Long.getLong("pgconductor.chaos.seed", System.nanoTime());
    Random random = new Random(seed);
    List<Long> killedAfterRuns = new ArrayList<>();
    for (int kill = 0; kill < KILLS && !allCompleted(conductor, ids); kill++) {
      try (ChildJvm child = ChildJvm.start(WorkflowWorkerMain.class, db.url())) {
        // kill while work is in flight: after the worker ran 1-4 more step bodies
        long target = stepRuns() + 1 + random.nextInt(4);
        await()
            .pollInterval(Duration.ofMillis(5))
            .atMost(Duration.ofSeconds(30))
            .until(() -> stepRuns() >= target || allCompleted(conductor, ids));
        child.kill();
        killedAfterRuns.add(stepRuns());
      }
    }
    assertThat(killedAfterRuns).as("kills (seed %d)", seed).hasSizeGreaterThanOrEqualTo(3);
    // a last worker that is left alone finishes what is left
    try (ChildJvm survivor = ChildJvm.start(WorkflowWorkerMain.class, db.url())) {
      await().atMost(Duration.ofSeconds(90)).until(() -> allCompleted(conductor, ids));
    }

    for (String id : ids) {
      var execution = conductor.getExecution(Workflows.ORDER, id).orElseThrow();
      assertThat(execution.state())
          .as("order %s, seed %d", id, seed)
          .isEqualTo(ExecutionState.COMPLETED);
      var result = execution.result();
      String order =
          db.dataSourceQueryString(
              "select payload->>'id' from pgconductor.finished_executions where id = '" + id + "'");
      assertThat(db.queryLong("select count(*) from charges where order_id = ?", order))
          .as("charges of %s", order)
          .isEqualTo(1);
      assertThat(db.queryLong("select id from charges where order_id = ?", order))
          .isEqualTo(result.chargeId());
      assertRecordedRunWasTheLast(id, "reserve", result.reserveToken());
      assertRecordedRunWasTheLast(id, "notify", result.notifyToken());
      String receiptId =
          db.dataSourceQueryString(
              "select id::text from pgconductor.finished_executions where parent_id = '"
                  + id
                  + "'");
      assertRecordedRunWasTheLast(receiptId, "render", result.receiptToken());
    }
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.finished_executions where task_key = 'receipt'"))
        .as("one receipt child per order")
        .isEqualTo(ORDERS);
  }

  /** The run whose result was recorded is the last run of that step: nothing ran after it. */
  private void assertRecordedRunWasTheLast(String executionId, String step, String recordedToken) {
    String lastToken =
        db.dataSourceQueryString(
            "select token from step_runs where execution_id = '"
                + executionId
                + "' and step = '"
                + step
                + "' order by id desc limit 1");
    assertThat(lastToken).as("last run of %s in %s", step, executionId).isEqualTo(recordedToken);
  }

  private long stepRuns() {
    return db.queryLong("select count(*) from step_runs");
  }

  private static boolean allCompleted(Conductor<?> conductor, List<String> ids) {
    return ids.stream()
        .allMatch(
            id -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
  }
}
