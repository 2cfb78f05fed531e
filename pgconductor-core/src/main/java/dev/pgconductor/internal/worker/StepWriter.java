package dev.pgconductor.internal.worker;

import dev.pgconductor.PgConductorException;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.ExecutionStore.StepRecord;
import dev.pgconductor.internal.util.GroupCommit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step results of an orchestrator's handlers, group-committed: many handlers recording steps at
 * once share one {@code pgconductor.record_steps} call (see {@link GroupCommit}).
 */
final class StepWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StepWriter.class);
  private static final int MAX_BATCH = 1000;

  private final GroupCommit<StepRecord, Boolean> commits;

  StepWriter(ExecutionStore store, UUID orchestrator, String threadName) {
    this.commits =
        new GroupCommit<>(
            threadName,
            MAX_BATCH,
            batch -> {
              boolean[] held;
              try {
                held = store.recordSteps(orchestrator, batch);
              } catch (Exception e) {
                LOG.warn("Could not record {} steps: {}", batch.size(), e.getMessage());
                throw e;
              }
              List<Boolean> answers = new ArrayList<>(held.length);
              for (boolean h : held) {
                answers.add(h);
              }
              return answers;
            });
  }

  /**
   * Records a step; blocks until it is committed. Returns false when the lease was lost.
   *
   * @throws InterruptedException if the handler thread is interrupted while waiting, or the
   *     orchestrator has stopped (a handler that outlived the stop): either way the run ends here
   *     and the execution resumes later
   */
  boolean record(StepRecord record) throws InterruptedException {
    try {
      return commits.submit(record);
    } catch (IllegalStateException closed) {
      throw new InterruptedException(
          "the orchestrator stopped before step '" + record.name() + "'");
    } catch (ExecutionException e) {
      throw new PgConductorException(
          "Could not record step '" + record.name() + "': " + e.getCause().getMessage(),
          e.getCause());
    }
  }

  /** Writes what is queued, then stops. */
  @Override
  public void close() {
    commits.close();
  }
}
