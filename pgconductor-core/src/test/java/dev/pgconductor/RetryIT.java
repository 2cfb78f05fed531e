package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** RTY-1, RTY-2: retries with the 15 s / 30 s / 60 s backoff, checked with a controllable clock. */
class RetryIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Job(String name) {}

  static final TaskDefinition<Job, String> FLAKY =
      TaskDefinition.of("flaky", Job.class, String.class);
  static final TaskDefinition<Job, Void> BROKEN = TaskDefinition.of("broken", Job.class);
  static final TaskDefinition<Job, Void> LONG_LIVED = TaskDefinition.of("long-lived", Job.class);

  static final WorkerConfig FAST_POLL =
      WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build();

  @Test
  void failedAttemptsAreRetriedAfter15Then30SecondsAndThenSucceed() {
    TestClock clock = new TestClock();
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(FLAKY)).clock(clock).build());
    AtomicInteger runs = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(FLAKY),
            Trigger.invocable(),
            (event, ctx) -> {
              runs.incrementAndGet();
              if (ctx.attempt() < 3) {
                throw new IllegalStateException("attempt " + ctx.attempt() + " failed");
              }
              return "done on attempt " + ctx.attempt();
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(FLAKY, new Job("a")).orElseThrow();
    Instant invokedAt = clock.instant();

    try (var orchestrator =
        db.closeAfter(
            Orchestrator.builder(conductor)
                .tasks(task)
                .defaultWorker(FAST_POLL)
                .handleSignals(false)
                .build())) {
      orchestrator.start();

      var first = awaitAttemptsFailed(conductor, id, 1);
      assertThat(first.lastError()).isEqualTo("attempt 1 failed");
      assertThat(first.lastErrorStack()).contains("IllegalStateException", "RetryIT");
      assertThat(first.runAt()).isEqualTo(invokedAt.plusSeconds(15));

      clock.advance(Duration.ofSeconds(14));
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .until(() -> runs.get() == 1);

      clock.advance(Duration.ofSeconds(1));
      Instant secondFailureAt = clock.instant();
      var second = awaitAttemptsFailed(conductor, id, 2);
      assertThat(second.lastError()).isEqualTo("attempt 2 failed");
      assertThat(second.runAt()).isEqualTo(secondFailureAt.plusSeconds(30));

      clock.advance(Duration.ofSeconds(29));
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .until(() -> runs.get() == 2);

      clock.advance(Duration.ofSeconds(1));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.COMPLETED);
    }
    var done = conductor.getExecution(FLAKY, id).orElseThrow();
    assertThat(done.result()).isEqualTo("done on attempt 3");
    assertThat(done.attempts()).isEqualTo(3);
    assertThat(runs).hasValue(3);
  }

  @Test
  void afterTheLastAttemptTheExecutionFailsForGoodWithItsLastErrorKept() {
    TestClock clock = new TestClock();
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(BROKEN)).clock(clock).build());
    AtomicInteger runs = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(BROKEN).maxAttempts(2),
            Trigger.invocable(),
            (event, ctx) -> {
              runs.incrementAndGet();
              throw new ArithmeticException("cannot do " + event.payload().name());
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(BROKEN, new Job("x")).orElseThrow();
    try (var orchestrator =
        db.closeAfter(
            Orchestrator.builder(conductor)
                .tasks(task)
                .defaultWorker(FAST_POLL)
                .handleSignals(false)
                .build())) {
      orchestrator.start();
      awaitAttemptsFailed(conductor, id, 1);
      clock.advance(Duration.ofSeconds(15));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.FAILED);
      // a failed execution is never picked up again, whatever the time
      clock.advance(Duration.ofHours(1));
      await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .until(() -> runs.get() == 2);
    }
    var failed = conductor.getExecution(id).orElseThrow();
    assertThat(failed.state()).isEqualTo(ExecutionState.FAILED);
    assertThat(failed.attempts()).isEqualTo(2);
    assertThat(failed.lastError()).isEqualTo("cannot do x");
    assertThat(failed.lastErrorStack()).contains("ArithmeticException");
    assertThat(failed.finishedAt()).isNotNull();
    // the error stays queryable in a table users can read
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.finished_executions where id = ?::uuid"
                    + " and state = 'failed' and last_error = 'cannot do x'"
                    + " and last_error_stack like '%ArithmeticException%'",
                id))
        .isEqualTo(1);
  }

  @Test
  void backoffStaysAt60SecondsFromTheThirdAttemptOn() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(LONG_LIVED)).build());
    conductor.ensureInstalled();
    for (int attempts = 1; attempts <= 6; attempts++) {
      long seconds =
          db.queryLong("select extract(epoch from pgconductor.retry_delay(?))::bigint", attempts);
      assertThat(seconds)
          .as("delay after attempt %d", attempts)
          .isEqualTo(
              switch (attempts) {
                case 1 -> 15;
                case 2 -> 30;
                default -> 60;
              });
    }
  }

  static final TaskDefinition<Job, Void> BACKOFF = TaskDefinition.of("backoff", Job.class);
  static final TaskDefinition<Job, Void> PICKY = TaskDefinition.of("picky", Job.class);

  @Test
  void anExponentialPolicyDoublesTheWaitUpToItsCap() {
    TestClock clock = new TestClock();
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(BACKOFF)).clock(clock).build());
    var task =
        conductor.createTask(
            TaskOptions.of(BACKOFF)
                .maxAttempts(5)
                .retry(RetryPolicy.exponential(Duration.ofSeconds(2), Duration.ofSeconds(5))),
            Trigger.invocable(),
            (event, ctx) -> {
              throw new IllegalStateException("attempt " + ctx.attempt());
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(BACKOFF, new Job("x")).orElseThrow();
    try (var orchestrator =
        db.closeAfter(
            Orchestrator.builder(conductor)
                .tasks(task)
                .defaultWorker(FAST_POLL)
                .handleSignals(false)
                .build())) {
      orchestrator.start();
      // waits of 2 s, 4 s, then 5 s (the cap) after each failed attempt
      for (int attempt = 1; attempt <= 4; attempt++) {
        Instant failedAt = clock.instant();
        var waiting = awaitAttemptsFailed(conductor, id, attempt);
        long expected = Math.min(2L << (attempt - 1), 5);
        assertThat(waiting.runAt()).isEqualTo(failedAt.plusSeconds(expected));
        clock.advance(Duration.ofSeconds(expected));
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, id) == ExecutionState.FAILED);
    }
    assertThat(conductor.getExecution(id).orElseThrow().attempts()).isEqualTo(5);
  }

  @Test
  void aPolicyFailsAtOnceWhatItDoesNotRetryAndRetriesTheRest() {
    TestClock clock = new TestClock();
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(PICKY, BROKEN)).clock(clock).build());
    var picky =
        conductor.createTask(
            TaskOptions.of(PICKY)
                .maxAttempts(5)
                .retry(
                    RetryPolicy.fixed(Duration.ofSeconds(1))
                        .notRetrying(IllegalArgumentException.class)),
            Trigger.invocable(),
            (event, ctx) -> {
              if (event.payload().name().equals("invalid")) {
                // wrapped: the policy looks down the cause chain
                throw new RuntimeException(new IllegalArgumentException("not a number"));
              }
              throw new IllegalStateException("service down");
            });
    var never =
        conductor.createTask(
            TaskOptions.of(BROKEN).maxAttempts(5).retry(RetryPolicy.none()),
            Trigger.invocable(),
            (event, ctx) -> {
              throw new IllegalStateException("no second chance");
            });
    conductor.ensureInstalled();
    String invalid = conductor.invoke(PICKY, new Job("invalid")).orElseThrow();
    String down = conductor.invoke(PICKY, new Job("down")).orElseThrow();
    String once = conductor.invoke(BROKEN, new Job("once")).orElseThrow();
    try (var orchestrator =
        db.closeAfter(
            Orchestrator.builder(conductor)
                .tasks(picky, never)
                .defaultWorker(FAST_POLL)
                .handleSignals(false)
                .build())) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  state(conductor, invalid) == ExecutionState.FAILED
                      && state(conductor, once) == ExecutionState.FAILED);
      var retried = awaitAttemptsFailed(conductor, down, 1);
      assertThat(retried.lastError()).isEqualTo("service down");
    }
    assertThat(conductor.getExecution(invalid).orElseThrow().attempts()).isEqualTo(1);
    assertThat(conductor.getExecution(invalid).orElseThrow().lastError()).contains("not a number");
    assertThat(conductor.getExecution(once).orElseThrow().attempts()).isEqualTo(1);
  }

  private static Execution<Object, Object> awaitAttemptsFailed(
      Conductor<?> conductor, String id, int attempts) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              var e = conductor.getExecution(id).orElseThrow();
              return e.state() == ExecutionState.PENDING && e.attempts() == attempts;
            });
    return conductor.getExecution(id).orElseThrow();
  }

  private static ExecutionState state(Conductor<?> conductor, String id) {
    return conductor.getExecution(id).orElseThrow().state();
  }
}
