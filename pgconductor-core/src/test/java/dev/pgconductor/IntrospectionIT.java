package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Reading executions back with {@link Conductor#getExecution} in every state they go through. */
class IntrospectionIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Greet(String name) {}

  record Greeting(String text) {}

  static final TaskDefinition<Greet, Greeting> GREET =
      TaskDefinition.of("greet", Greet.class, Greeting.class);
  static final TaskDefinition<Greet, Void> OTHER = TaskDefinition.of("other", Greet.class);

  /** An application exception, to find by name in the stored stack trace. */
  static final class PaymentDeclinedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PaymentDeclinedException(String message) {
      super(message);
    }
  }

  private final List<Conductor<?>> conductors = new ArrayList<>();

  @BeforeAll
  static void install() {
    db.installSchema();
  }

  @BeforeEach
  void emptyTables() {
    db.emptyExecutionTables();
  }

  @AfterEach
  void closeConductors() {
    conductors.reversed().forEach(Conductor::close);
  }

  @Test
  void pendingAfterInvokeWithNoAttemptsYet() {
    var conductor = conductor();
    Instant before = Instant.now().minusSeconds(5);
    Instant runAt = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.MICROS);

    String now = conductor.invoke(GREET, new Greet("now")).orElseThrow();
    String later =
        conductor
            .invoke(
                GREET,
                new Greet("later"),
                InvokeOptions.builder().dedupeKey("later").priority(4).runAt(runAt).build())
            .orElseThrow();

    var pending = conductor.getExecution(GREET, now).orElseThrow();
    assertThat(pending.id()).isEqualTo(now);
    assertThat(pending.taskName()).isEqualTo("greet");
    assertThat(pending.queue()).isEqualTo("default");
    assertThat(pending.state()).isEqualTo(ExecutionState.PENDING);
    assertThat(pending.state().isFinished()).isFalse();
    assertThat(pending.attempts()).isZero();
    assertThat(pending.createdAt()).isBetween(before, Instant.now().plusSeconds(5));
    assertThat(pending.runAt()).isBetween(before, Instant.now().plusSeconds(5));
    assertThat(pending.startedAt()).isNull();
    assertThat(pending.finishedAt()).isNull();
    assertThat(pending.result()).isNull();
    assertThat(pending.lastError()).isNull();
    assertThat(pending.parentId()).isNull();

    var scheduled = conductor.getExecution(GREET, later).orElseThrow();
    assertThat(scheduled.state()).isEqualTo(ExecutionState.PENDING);
    assertThat(scheduled.runAt()).isEqualTo(runAt);
    assertThat(scheduled.priority()).isEqualTo(4);
    assertThat(scheduled.dedupeKey()).isEqualTo("later");
  }

  @Test
  void runningWhileTheHandlerRunsThenCompletedWithTypedResult() throws InterruptedException {
    var started = new CountDownLatch(1);
    var release = new CountDownLatch(1);
    var conductor = conductor();
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              started.countDown();
              if (!release.await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test never released the handler");
              }
              return new Greeting("Hello, " + event.payload().name());
            });
    String id = conductor.invoke(GREET, new Greet("World")).orElseThrow();

    try (var orchestrator = orchestrator(conductor, task)) {
      orchestrator.start();
      try {
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        var running = conductor.getExecution(GREET, id).orElseThrow();
        assertThat(running.state()).isEqualTo(ExecutionState.RUNNING);
        assertThat(running.attempts()).isEqualTo(1);
        assertThat(running.startedAt()).isNotNull();
        assertThat(running.finishedAt()).isNull();
        assertThat(running.result()).isNull();
      } finally {
        release.countDown();
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> conductor.getExecution(GREET, id).orElseThrow().state().isFinished());
    }

    var completed = conductor.getExecution(GREET, id).orElseThrow();
    assertThat(completed.state()).isEqualTo(ExecutionState.COMPLETED);
    assertThat(completed.result()).isEqualTo(new Greeting("Hello, World"));
    assertThat(completed.attempts()).isEqualTo(1);
    assertThat(completed.startedAt()).isNotNull();
    assertThat(completed.finishedAt()).isNotNull().isAfterOrEqualTo(completed.startedAt());
    assertThat(completed.lastError()).isNull();
  }

  @Test
  void failedAfterTheLastAttemptKeepsErrorMessageAndStack() {
    var conductor = conductor();
    var task =
        conductor.createTask(
            TaskOptions.of(GREET).maxAttempts(1),
            Trigger.invocable(),
            (event, ctx) -> {
              throw new PaymentDeclinedException("card 4242 declined");
            });
    String id = conductor.invoke(GREET, new Greet("x")).orElseThrow();

    orchestrator(conductor, task).drain();

    var failed = conductor.getExecution(GREET, id).orElseThrow();
    assertThat(failed.state()).isEqualTo(ExecutionState.FAILED);
    assertThat(failed.state().isFinished()).isTrue();
    assertThat(failed.attempts()).isEqualTo(1);
    assertThat(failed.lastError()).isEqualTo("card 4242 declined");
    assertThat(failed.lastErrorStack())
        .contains(PaymentDeclinedException.class.getName())
        .contains("card 4242 declined");
    assertThat(failed.finishedAt()).isNotNull();
    assertThat(failed.result()).isNull();
  }

  @Test
  void pendingBetweenAttemptsShowsTheLastError() {
    var conductor = conductor();
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              throw new PaymentDeclinedException("try later");
            });
    String id = conductor.invoke(GREET, new Greet("x")).orElseThrow();
    Instant beforeRun = Instant.now();

    // the retry is due only after the backoff, so drain stops after the first attempt
    orchestrator(conductor, task).drain();

    var retrying = conductor.getExecution(GREET, id).orElseThrow();
    assertThat(retrying.state()).isEqualTo(ExecutionState.PENDING);
    assertThat(retrying.attempts()).isEqualTo(1);
    assertThat(retrying.lastError()).isEqualTo("try later");
    assertThat(retrying.lastErrorStack()).contains(PaymentDeclinedException.class.getName());
    assertThat(retrying.runAt()).isAfter(beforeRun.plusSeconds(10));
    assertThat(retrying.finishedAt()).isNull();
  }

  @Test
  void waitingWhileADurableSleepIsPending() {
    var conductor = conductor();
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              ctx.sleep("nap", Duration.ofHours(1));
              return new Greeting("awake");
            });
    String id = conductor.invoke(GREET, new Greet("x")).orElseThrow();
    Instant beforeRun = Instant.now();

    // the sleep releases the execution; drain leaves it for later
    orchestrator(conductor, task).drain();

    var sleeping = conductor.getExecution(GREET, id).orElseThrow();
    assertThat(sleeping.state()).isEqualTo(ExecutionState.WAITING);
    assertThat(sleeping.state().isFinished()).isFalse();
    assertThat(sleeping.startedAt()).isNull(); // not held by any worker while it sleeps
    assertThat(sleeping.runAt()).isAfter(beforeRun.plus(Duration.ofMinutes(50)));
    assertThat(sleeping.finishedAt()).isNull();
    assertThat(sleeping.result()).isNull();
  }

  @Test
  void cancelledBeforeItRanIsFailedWithTheReason() {
    var conductor = conductor();
    String id = conductor.invoke(GREET, new Greet("x")).orElseThrow();

    assertThat(conductor.cancel(id, "no longer needed")).isTrue();

    var cancelled = conductor.getExecution(GREET, id).orElseThrow();
    assertThat(cancelled.state().isFinished()).isTrue();
    assertThat(cancelled.state()).isEqualTo(ExecutionState.FAILED);
    assertThat(cancelled.lastError()).isEqualTo("no longer needed");
    assertThat(cancelled.attempts()).isZero();
    assertThat(cancelled.finishedAt()).isNotNull();
  }

  @Test
  void unknownOrMalformedIdIsEmpty() {
    var conductor = conductor();

    assertThat(conductor.getExecution(UUID.randomUUID().toString())).isEmpty();
    assertThat(conductor.getExecution(GREET, UUID.randomUUID().toString())).isEmpty();
    assertThat(conductor.getExecution("not-an-id")).isEmpty();
    assertThat(conductor.getExecution(GREET, "not-an-id")).isEmpty();
    assertThat(conductor.getExecution("")).isEmpty();
  }

  @Test
  void readingWithAnotherTasksDefinitionIsAnError() {
    var conductor = conductor();
    String id = conductor.invoke(GREET, new Greet("x")).orElseThrow();

    assertThatThrownBy(() -> conductor.getExecution(OTHER, id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(id)
        .hasMessageContaining("greet")
        .hasMessageContaining("other");
  }

  @Test
  void untypedReadDecodesKnownTasksAndLeavesOthersAsJson() {
    var conductor = conductor();
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> new Greeting("Hi " + event.payload().name()));
    String id = conductor.invoke(GREET, new Greet("Ada")).orElseThrow();
    orchestrator(conductor, task).drain();

    assertThat(conductor.getExecution(id).orElseThrow().result()).isEqualTo(new Greeting("Hi Ada"));

    // a service whose Conductor does not define the task still reads it
    var stranger = track(db.conductor(TaskSchemas.empty()).poolSize(2).build());
    var seen = stranger.getExecution(id).orElseThrow();
    assertThat(seen.taskName()).isEqualTo("greet");
    assertThat(seen.state()).isEqualTo(ExecutionState.COMPLETED);
    assertThat(seen.result())
        .isInstanceOfSatisfying(
            JsonNode.class, json -> assertThat(json.get("text").asText()).isEqualTo("Hi Ada"));
  }

  // helpers

  private Conductor<Void> conductor() {
    return track(db.conductor(TaskSchemas.of(GREET, OTHER)).poolSize(4).build());
  }

  private <C> Conductor<C> track(Conductor<C> conductor) {
    conductors.add(db.closeAfter(conductor));
    return conductor;
  }

  private static Orchestrator orchestrator(Conductor<?> conductor, Task<?, ?>... tasks) {
    return Orchestrator.builder(conductor)
        .tasks(tasks)
        .handleSignals(false)
        .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(50)).build())
        .build();
  }
}
