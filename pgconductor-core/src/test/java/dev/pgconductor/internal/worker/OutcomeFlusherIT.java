package dev.pgconductor.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.internal.db.Claimed;
import dev.pgconductor.internal.db.Db;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.Outcome;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An outcome Postgres refuses to store (here an index entry over its size limit, SQLSTATE 54000)
 * fails its own attempt with the database's reason; the outcomes written with it are not held back.
 */
class OutcomeFlusherIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final UUID ME = UUID.randomUUID();

  @BeforeAll
  static void install() {
    db.installSchema();
  }

  @Test
  void anOutcomeTooLargeToStoreFailsItsAttemptAndTheOthersAreWritten() throws Exception {
    Claimed first = held();
    Claimed tooLarge = held();
    Claimed last = held();
    // a step name no index entry can hold (random, so compression cannot shrink it)
    String hugeName = randomText(3000);
    var flusher =
        new OutcomeFlusher(
            new ExecutionStore(new Db(db.dataSource(), null)),
            ME,
            "default",
            100,
            Duration.ofMillis(20),
            () -> false,
            () -> {},
            due -> {});
    Thread thread = Thread.ofPlatform().start(flusher);
    try {
      flusher.add(new Outcome.Completed(first, false, "1"), false);
      flusher.add(
          new Outcome.Waiting(
              tooLarge,
              false,
              hugeName,
              null,
              new Outcome.Child(UUID.randomUUID(), "task", "default", "{}")),
          false);
      flusher.add(new Outcome.Completed(last, false, "3"), false);

      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> finished(first) + finished(tooLarge) + finished(last) == 3);
    } finally {
      flusher.close();
      thread.join(10_000);
    }
    assertThat(state(first)).isEqualTo("completed");
    assertThat(state(last)).isEqualTo("completed");
    assertThat(state(tooLarge)).isEqualTo("failed");
    assertThat(
            db.dataSourceQueryString(
                "select last_error from pgconductor.finished_executions where id = '"
                    + tooLarge.id()
                    + "'"))
        .startsWith("the outcome of this attempt could not be stored")
        .contains("index row");
  }

  @Test
  void aStaleOutcomeOfTheSameExecutionInABatchIsIgnoredAndTheCurrentOneWritten() throws Exception {
    Claimed first = held();
    // the execution was claimed again since (lease 2): a batch may still hold the outcome of the
    // first claim, written once already by a try whose answer was lost
    db.execute("update pgconductor.executions set lease = 2 where id = '" + first.id() + "'");
    Claimed second = withLease(first, 2);
    UUID child = UUID.randomUUID();
    var store = new ExecutionStore(new Db(db.dataSource(), null));
    var flushed =
        store.flush(
            ME,
            "default",
            List.of(
                new Outcome.Waiting(
                    first, false, "pay", null, new Outcome.Child(child, "task", "default", "{}")),
                new Outcome.Waiting(
                    second,
                    false,
                    "pay",
                    null,
                    new Outcome.Child(child, "task", "default", "{}"))));
    assertThat(flushed.written()).as("only the current claim's outcome").isOne();
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.steps where execution_id = ?::uuid",
                first.id().toString()))
        .isOne();
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.executions where id = ?::uuid", child.toString()))
        .isOne();
  }

  private static Claimed withLease(Claimed c, int lease) {
    return new Claimed(
        c.id(),
        c.taskName(),
        c.payloadJson(),
        c.attempt(),
        lease,
        c.parentId(),
        c.origin(),
        c.originName(),
        c.createdAt(),
        c.queueWaitMillis(),
        c.stepsJson(),
        c.claimedAt(),
        c.cancelReason(),
        c.receivedNanos());
  }

  private static Claimed held() {
    UUID id = UUID.randomUUID();
    db.execute(
        "insert into pgconductor.executions"
            + " (id, queue, task_key, payload, run_at, attempts, lease, locked_by, locked_at)"
            + " values ('"
            + id
            + "', 'default', 'task', '{}', now(), 1, 1, '"
            + ME
            + "', now())");
    return new Claimed(
        id,
        "task",
        "{}",
        1,
        1,
        null,
        "invoked",
        null,
        Instant.now(),
        0,
        null,
        Instant.now(),
        null,
        System.nanoTime());
  }

  private static long finished(Claimed c) {
    return db.queryLong(
        "select count(*) from pgconductor.finished_executions where id = ?::uuid",
        c.id().toString());
  }

  private static String state(Claimed c) {
    return db.dataSourceQueryString(
        "select state from pgconductor.finished_executions where id = '" + c.id() + "'");
  }

  private static String randomText(int length) {
    Random random = new Random(42);
    StringBuilder text = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      text.append((char) ('a' + random.nextInt(26)));
    }
    return text.toString();
  }
}
