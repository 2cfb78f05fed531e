package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Executions that can never succeed or never start are not left waiting in silence: ready
 * executions of a task no orchestrator runs are reported, and an execution whose payload cannot be
 * read or whose result cannot be stored fails at once instead of using up its retries.
 */
class UnservedIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Order(String id, int cents) {}

  static final TaskDefinition<Order, String> SHIP =
      TaskDefinition.of("ship", Order.class, String.class);
  static final TaskDefinition<Order, String> GHOST =
      TaskDefinition.of("ghost", Order.class, String.class);

  @Test
  void readyExecutionsOfATaskNoOrchestratorRunsAreReported() {
    List<ConductorListener.Unserved> heard = new CopyOnWriteArrayList<>();
    try (var conductor =
        db.conductor(TaskSchemas.of(SHIP, GHOST))
            .listener(
                new ConductorListener() {
                  @Override
                  public void executionsUnserved(Unserved event) {
                    heard.add(event);
                  }
                })
            .build()) {
      var ship =
          conductor.createTask(TaskOptions.of(SHIP), Trigger.invocable(), (e, ctx) -> "shipped");
      conductor.ensureInstalled();
      // invoked through a Conductor that knows the task, but no orchestrator runs it
      conductor.invoke(GHOST, new Order("g-1", 1));
      conductor.invoke(GHOST, new Order("g-2", 2));
      String shipped = conductor.invoke(SHIP, new Order("s-1", 3)).orElseThrow();
      try (var orchestrator =
          Orchestrator.builder(conductor)
              .tasks(ship)
              .heartbeatInterval(Duration.ofMillis(50)) // it looks every 12th heartbeat
              .heartbeatTimeout(Duration.ofSeconds(1))
              .handleSignals(false)
              .build()) {
        orchestrator.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> !heard.isEmpty());
        // its heartbeats record its timeout, for those who judge its liveness from outside
        assertThat(
                db.dataSourceQueryString(
                    "select heartbeat_timeout::text from pgconductor.orchestrators where id = '"
                        + orchestrator.info().id()
                        + "'"))
            .isEqualTo("00:00:01");
        assertThat(heard.getFirst().tasks())
            .singleElement()
            .satisfies(
                t -> {
                  assertThat(t.queue()).isEqualTo("default");
                  assertThat(t.taskName()).isEqualTo("ghost");
                  assertThat(t.ready()).isEqualTo(2);
                  assertThat(t.oldestDue()).isNotNull();
                });
        assertThat(conductor.getExecution(shipped).orElseThrow().state())
            .isEqualTo(ExecutionState.COMPLETED);
      }
    }
  }

  @Test
  void aPayloadTheTaskCannotReadFailsAtOnceWithoutUsingItsRetries() {
    AtomicInteger runs = new AtomicInteger();
    try (var conductor = db.conductor(TaskSchemas.of(SHIP)).build()) {
      var ship =
          conductor.createTask(
              TaskOptions.of(SHIP).maxAttempts(5),
              Trigger.invocable(),
              (e, ctx) -> {
                runs.incrementAndGet();
                return "shipped";
              });
      conductor.ensureInstalled();
      String id = conductor.invoke(SHIP, new Order("s-1", 3)).orElseThrow();
      // written by another version of the application, with another shape
      db.execute(
          "update pgconductor.executions set payload = '\"just text\"' where id = '" + id + "'");
      drain(conductor, ship);
      // read with SQL: the payload is what getExecution cannot read either
      assertThat(
              db.dataSourceQueryString(
                  "select state || ' after ' || attempts || ': ' || last_error"
                      + " from pgconductor.all_executions where id = '"
                      + id
                      + "'"))
          .startsWith("failed after 1: payload cannot be read as");
      assertThat(runs).hasValue(0);
    }
  }

  @Test
  void aResultThatCannotBeStoredFailsAtOnceWithoutUsingItsRetries() {
    try (var conductor = db.conductor(TaskSchemas.of(SHIP)).build()) {
      var ship =
          conductor.createTask(
              TaskOptions.of(SHIP).maxAttempts(5),
              Trigger.invocable(),
              (e, ctx) -> "nul \u0000 inside");
      conductor.ensureInstalled();
      String id = conductor.invoke(SHIP, new Order("s-1", 3)).orElseThrow();
      drain(conductor, ship);
      var execution = conductor.getExecution(id).orElseThrow();
      assertThat(execution.state()).isEqualTo(ExecutionState.FAILED);
      assertThat(execution.attempts()).isOne();
      assertThat(execution.lastError()).contains("U+0000");
    }
  }

  @Test
  void aResultTooLargeForJsonbFailsAtOnceAndTheRestOfTheBatchIsWritten() {
    // one character more than a jsonb value holds: refused before it is written as JSON
    String huge = "x".repeat(dev.pgconductor.internal.json.JsonCodec.MAX_JSON_LENGTH + 1);
    try (var conductor = db.conductor(TaskSchemas.of(SHIP)).build()) {
      var ship =
          conductor.createTask(
              TaskOptions.of(SHIP).maxAttempts(5),
              Trigger.invocable(),
              (e, ctx) -> {
                Order order = e.payload();
                return order.id().equals("huge") ? huge : "shipped " + order.id();
              });
      conductor.ensureInstalled();
      String hugeId = conductor.invoke(SHIP, new Order("huge", 1)).orElseThrow();
      List<String> healthy = new java.util.ArrayList<>();
      for (int i = 0; i < 20; i++) {
        healthy.add(conductor.invoke(SHIP, new Order("o-" + i, i)).orElseThrow());
      }
      drain(conductor, ship);
      var execution = conductor.getExecution(hugeId).orElseThrow();
      assertThat(execution.state()).isEqualTo(ExecutionState.FAILED);
      assertThat(execution.attempts()).isOne();
      assertThat(execution.lastError())
          .contains(
              "the result of task 'ship' is a text of 268,435,456 characters, more than the"
                  + " 268,435,455 bytes Postgres can store");
      for (int i = 0; i < healthy.size(); i++) {
        var done = conductor.getExecution(SHIP, healthy.get(i)).orElseThrow();
        assertThat(done.state()).isEqualTo(ExecutionState.COMPLETED);
        assertThat(done.result()).isEqualTo("shipped o-" + i);
      }
    }
  }

  @Test
  void aPayloadTooLargeForJsonbIsRefusedAtInvoke() {
    String huge = "x".repeat(dev.pgconductor.internal.json.JsonCodec.MAX_JSON_LENGTH);
    try (var conductor = db.conductor(TaskSchemas.of(SHIP)).build()) {
      conductor.createTask(TaskOptions.of(SHIP), Trigger.invocable(), (e, ctx) -> "shipped");
      conductor.ensureInstalled();
      String before =
          db.dataSourceQueryString("select count(*)::text from pgconductor.all_executions");
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> conductor.invoke(SHIP, new Order(huge, 1)))
          .isInstanceOf(InvalidPayloadException.class)
          .hasMessageContaining(
              "Invalid payload for task 'ship': is 268,435,474 characters of JSON, more than the"
                  + " 268,435,455 bytes");
      assertThat(db.dataSourceQueryString("select count(*)::text from pgconductor.all_executions"))
          .isEqualTo(before);
    }
  }

  private static void drain(Conductor<Void> conductor, Task<?, ?> task) {
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build())
            .handleSignals(false)
            .build()) {
      assertThat(orchestrator.drain(Duration.ofSeconds(20))).isTrue();
    }
  }
}
