package dev.pgconductor.internal.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgconductor.internal.db.ExecutionStore.StepRecord;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One batch of step records may hold executions of several queues (one orchestrator serves them
 * all): each step is stored exactly when its execution is still held under the lease it names.
 */
class RecordStepsIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final UUID ME = UUID.randomUUID();
  static final UUID OTHER = UUID.randomUUID();

  @BeforeAll
  static void install() {
    db.installSchema();
    db.execute("select pgconductor.ensure_queue('emails'), pgconductor.ensure_queue('reports')");
  }

  @Test
  void aBatchAcrossQueuesStoresTheStepsOfHeldExecutionsOnly() throws Exception {
    UUID onDefault = held("default", ME, 1);
    UUID onEmails = held("emails", ME, 2);
    UUID onReports = held("reports", ME, 1);
    UUID staleLease = held("emails", ME, 3);
    UUID someoneElses = held("reports", OTHER, 1);
    UUID inDefaultPartition = held("not-partitioned-yet", ME, 1);

    boolean[] stored =
        recordAsMe(
            new StepRecord(onDefault, "default", 1, "a", "1"),
            new StepRecord(onEmails, "emails", 2, "a", "2"),
            new StepRecord(staleLease, "emails", 2, "a", "3"),
            new StepRecord(onReports, "reports", 1, "a", "4"),
            new StepRecord(someoneElses, "reports", 1, "a", "5"),
            new StepRecord(inDefaultPartition, "not-partitioned-yet", 1, "a", "6"),
            new StepRecord(onEmails, "emails", 2, "b", "7"));

    assertThat(stored).containsExactly(true, true, false, true, false, true, true);
    assertThat(
            stepsOf(onDefault, onEmails, onReports, staleLease, someoneElses, inDefaultPartition))
        .isEqualTo(5);
    assertThat(stepResult(onEmails, "b")).isEqualTo("7");
    assertThat(stepResult(onReports, "a")).isEqualTo("4");
    assertThat(stepResult(inDefaultPartition, "a")).isEqualTo("6");
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.steps where execution_id = ?", staleLease))
        .isZero();
  }

  @Test
  void aStepAlreadyStoredKeepsItsRowAndDoesNotFailTheRestOfTheBatch() throws Exception {
    UUID recordedBefore = held("default", ME, 1);
    UUID fresh = held("default", ME, 1);
    UUID twiceInTheBatch = held("emails", ME, 1);
    UUID staleLease = held("default", ME, 2);
    db.execute(
        "insert into pgconductor.steps (execution_id, name, result) values ('"
            + recordedBefore
            + "', 'a', '\"first\"')");

    boolean[] stored =
        recordAsMe(
            new StepRecord(fresh, "default", 1, "a", "1"),
            new StepRecord(recordedBefore, "default", 1, "a", "\"second\""),
            new StepRecord(twiceInTheBatch, "emails", 1, "a", "3"),
            new StepRecord(staleLease, "default", 1, "a", "4"),
            new StepRecord(twiceInTheBatch, "emails", 1, "a", "5"));

    // held executions answer true whether their row was new or already there; the plain insert
    // met the conflict and the batch was redone keeping the stored rows, never failing it
    assertThat(stored).containsExactly(true, true, true, false, true);
    assertThat(stepResult(recordedBefore, "a")).isEqualTo("\"first\"");
    assertThat(stepResult(fresh, "a")).isEqualTo("1");
    assertThat(stepResult(twiceInTheBatch, "a")).isIn("3", "5");
    assertThat(stepsOf(recordedBefore, fresh, twiceInTheBatch, staleLease)).isEqualTo(3);
  }

  /** One call of the step writer's function for orchestrator {@link #ME}. */
  private static boolean[] recordAsMe(StepRecord... steps) throws Exception {
    return new ExecutionStore(new Db(db.dataSource(), Clock.systemUTC()))
        .recordSteps(ME, List.of(steps));
  }

  /** An execution claimed by {@code owner} under {@code lease}, as a claim leaves it. */
  private static UUID held(String queue, UUID owner, int lease) {
    UUID id = UUID.randomUUID();
    db.queryLong(
        """
        with e as (
          insert into pgconductor.executions (id, queue, task_key, run_at, locked_by, locked_at, lease,
                                              attempts)
          values (?, ?, 'task', now(), ?, now(), ?, 1) returning 1)
        select count(*) from e""",
        id,
        queue,
        owner,
        lease);
    return id;
  }

  /** How many step rows the given executions have. */
  private static long stepsOf(UUID... ids) {
    return db.queryLong(
        "select count(*) from pgconductor.steps where execution_id = any (?::uuid[])",
        "{" + String.join(",", java.util.Arrays.stream(ids).map(UUID::toString).toList()) + "}");
  }

  private static String stepResult(UUID id, String name) {
    return db.dataSourceQueryString(
        "select result::text from pgconductor.steps where execution_id = '"
            + id
            + "' and name = '"
            + name
            + "'");
  }
}
