package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.support.ChildJvm;
import dev.pgconductor.support.WorkflowWorkerMain;
import dev.pgconductor.support.Workflows;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * WRK-6: SIGTERM stops a worker process promptly while a long task loops over checkpoints; the
 * execution resumes elsewhere and completes, with no step run twice.
 */
class DurableShutdownIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  @Test
  void sigtermReleasesALongTaskAtItsNextCheckpointAndItResumesElsewhereWithoutRepeatingSteps()
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
    int steps = 150;
    String id = conductor.invoke(Workflows.LONG_LOOP, new Workflows.Loop(steps)).orElseThrow();

    try (ChildJvm child = ChildJvm.start(WorkflowWorkerMain.class, db.url())) {
      await().atMost(Duration.ofSeconds(30)).until(() -> stepRuns(id) >= 20);
      long terminatedAt = System.nanoTime();
      child.terminate();
      assertThat(child.waitFor(15, TimeUnit.SECONDS)).as("the process exits").isTrue();
      assertThat(Duration.ofNanos(System.nanoTime() - terminatedAt))
          .isLessThan(Duration.ofSeconds(10));
      var released = conductor.getExecution(id).orElseThrow();
      assertThat(released.state()).isEqualTo(ExecutionState.PENDING);
      assertThat(released.attempts()).as("a graceful release is not an attempt").isZero();
      assertThat(stepRuns(id)).isLessThan(steps);
    }

    var tasks = Workflows.register(conductor);
    try (var orchestrator =
        Orchestrator.builder(conductor).tasks(tasks).handleSignals(false).build()) {
      orchestrator.drain();
    }
    assertThat(conductor.getExecution(Workflows.LONG_LOOP, id).orElseThrow().result())
        .isEqualTo(steps * (steps - 1) / 2);
    assertThat(stepRuns(id)).isEqualTo(steps);
    assertThat(
            db.queryLong(
                "select count(*) from (select step from step_runs where execution_id = ?::uuid"
                    + " group by step having count(*) > 1) twice",
                id))
        .as("steps that ran twice")
        .isZero();
  }

  private long stepRuns(String id) {
    return db.queryLong("select count(*) from step_runs where execution_id = ?::uuid", id);
  }
}
