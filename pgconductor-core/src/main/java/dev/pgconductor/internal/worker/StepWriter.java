package dev.pgconductor.internal.worker;

import dev.pgconductor.PgConductorException;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.ExecutionStore.StepRecord;
import dev.pgconductor.internal.db.SqlErrors;
import dev.pgconductor.internal.util.GroupCommit;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step results of an orchestrator's handlers, group-committed: many handlers recording steps at
 * once share one {@code pgconductor.record_steps} call (see {@link GroupCommit}). A lost connection
 * is retried for a while ({@link #RETRY_FOR}): recording is idempotent, so a write that committed
 * although its answer was lost is not recorded twice.
 */
final class StepWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StepWriter.class);
  private static final int MAX_BATCH = 1000;

  /** How long a write is retried on connection problems before the runs give up their steps. */
  static final Duration RETRY_FOR = Duration.ofSeconds(30);

  private final GroupCommit<StepRecord, Boolean> commits;
  private volatile boolean closing;

  /** The database could not be reached for {@link #RETRY_FOR}: the step was not recorded. */
  static final class NotRecordedException extends Exception {
    private static final long serialVersionUID = 1L;

    NotRecordedException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  StepWriter(ExecutionStore store, UUID orchestrator, String threadName) {
    this.commits =
        new GroupCommit<>(
            threadName,
            MAX_BATCH,
            batch -> {
              boolean[] held = writeRetrying(store, orchestrator, batch);
              List<Boolean> answers = new ArrayList<>(held.length);
              for (boolean h : held) {
                answers.add(h);
              }
              return answers;
            });
  }

  private boolean[] writeRetrying(ExecutionStore store, UUID orchestrator, List<StepRecord> batch)
      throws SQLException, InterruptedException {
    long deadline = System.nanoTime() + RETRY_FOR.toNanos();
    long backoffMillis = 100;
    while (true) {
      try {
        return store.recordSteps(orchestrator, batch);
      } catch (SQLException e) {
        boolean retry =
            SqlErrors.isConnectionProblem(e)
                && !closing
                && System.nanoTime() + backoffMillis * 1_000_000 - deadline < 0;
        LOG.warn(
            "Could not record {} steps{}: {}",
            batch.size(),
            retry ? ", retrying in " + backoffMillis + " ms" : "",
            e.getMessage());
        if (!retry) {
          throw e;
        }
        Thread.sleep(backoffMillis);
        backoffMillis = Math.min(backoffMillis * 2, 2000);
      }
    }
  }

  /**
   * Records a step; blocks until it is committed. Returns false when the lease was lost.
   *
   * @throws InterruptedException if the handler thread is interrupted while waiting, or the
   *     orchestrator has stopped (a handler that outlived the stop): either way the run ends here
   *     and the execution resumes later
   * @throws NotRecordedException if the database could not be reached for {@link #RETRY_FOR}
   */
  boolean record(StepRecord record) throws InterruptedException, NotRecordedException {
    try {
      return commits.submit(record);
    } catch (IllegalStateException closed) {
      throw new InterruptedException(
          "the orchestrator stopped before step '" + record.name() + "'");
    } catch (ExecutionException e) {
      String message =
          "Could not record step '" + record.name() + "': " + e.getCause().getMessage();
      if (SqlErrors.isConnectionProblem(e.getCause())) {
        throw new NotRecordedException(message, e.getCause());
      }
      throw new PgConductorException(message, e.getCause());
    }
  }

  /** Writes what is queued, then stops. */
  @Override
  public void close() {
    closing = true;
    commits.close();
  }
}
