package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** CTX-1 and RTY-3: steps run once per execution and come back unchanged on every later run. */
class StepsIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Order(String id) {}

  record Line(String sku, int quantity, Instant addedAt) {}

  record Snapshot(
      Line line, List<Line> lines, Map<String, Integer> stock, String nothing, int count) {}

  static final TaskDefinition<Order, Snapshot> CHECKOUT =
      TaskDefinition.of("checkout", Order.class, Snapshot.class);
  static final TaskDefinition<Order, Integer> REPEATS =
      TaskDefinition.of("repeats", Order.class, Integer.class);

  static final WorkerConfig FAST =
      WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build();

  @Test
  void stepsCompletedBeforeAFailureAreNotRunAgainAndReturnTheSameTypedValues() {
    TestClock clock = new TestClock();
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(CHECKOUT)).clock(clock).build());
    Map<String, AtomicInteger> bodyRuns = new ConcurrentHashMap<>();
    List<Snapshot> seen = Collections.synchronizedList(new ArrayList<>());
    Instant added = Instant.parse("2026-01-02T03:04:05.123456Z");
    var task =
        conductor.createTask(
            TaskOptions.of(CHECKOUT),
            Trigger.invocable(),
            (event, ctx) -> {
              Line line =
                  ctx.step(
                      "line",
                      Line.class,
                      () -> {
                        count(bodyRuns, "line");
                        return new Line("sku-1", 2, added);
                      });
              List<Line> lines =
                  ctx.step(
                      "lines",
                      new TypeRef<List<Line>>() {},
                      () -> {
                        count(bodyRuns, "lines");
                        return List.of(
                            new Line("a", 1, added), new Line("b", 3, added.plusSeconds(1)));
                      });
              Map<String, Integer> stock =
                  ctx.step(
                      "stock",
                      new TypeRef<Map<String, Integer>>() {},
                      () -> {
                        count(bodyRuns, "stock");
                        return Map.of("a", 10, "b", 0);
                      });
              String nothing =
                  ctx.step(
                      "nothing",
                      String.class,
                      () -> {
                        count(bodyRuns, "nothing");
                        return null;
                      });
              ctx.step("side-effect", () -> count(bodyRuns, "side-effect"));
              Snapshot snapshot = new Snapshot(line, lines, stock, nothing, bodyRuns.size());
              seen.add(snapshot);
              if (ctx.attempt() == 1) {
                throw new IllegalStateException("payment provider down");
              }
              return snapshot;
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(CHECKOUT, new Order("o-1")).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(FAST)
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 1);
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.PENDING);
      clock.advance(Duration.ofSeconds(15));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
    }
    assertThat(bodyRuns.keySet())
        .containsExactlyInAnyOrder("line", "lines", "stock", "nothing", "side-effect");
    assertThat(bodyRuns.values()).allMatch(n -> n.get() == 1, "each step body ran once");
    assertThat(seen).hasSize(2);
    assertThat(seen.get(1)).isEqualTo(seen.get(0));
    assertThat(seen.get(1).lines().getFirst()).isInstanceOf(Line.class);
    assertThat(conductor.getExecution(CHECKOUT, id).orElseThrow().result()).isEqualTo(seen.get(0));
    assertThat(
            db.queryLong("select count(*) from pgconductor.steps where execution_id = ?::uuid", id))
        .as("steps of a finished execution are cleaned up")
        .isZero();
  }

  @Test
  void aRepeatedStepNameReturnsTheFirstResultWithoutRunningAgain() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(REPEATS)).build());
    AtomicInteger bodyRuns = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(REPEATS),
            Trigger.invocable(),
            (event, ctx) -> {
              int first = ctx.step("n", Integer.class, bodyRuns::incrementAndGet);
              int second = ctx.step("n", Integer.class, () -> 1000 + bodyRuns.incrementAndGet());
              return first * 10 + second;
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(REPEATS, new Order("x")).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor).tasks(task).handleSignals(false).build()) {
      orchestrator.drain();
    }
    assertThat(conductor.getExecution(REPEATS, id).orElseThrow().result()).isEqualTo(11);
    assertThat(bodyRuns).hasValue(1);
  }

  private static Void count(Map<String, AtomicInteger> runs, String step) {
    runs.computeIfAbsent(step, k -> new AtomicInteger()).incrementAndGet();
    return null;
  }

  @Test
  void aStepNameTooLongToStoreFailsTheAttemptWithAClearError() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(REPEATS)).build());
    AtomicInteger bodies = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(REPEATS).maxAttempts(1),
            Trigger.invocable(),
            (event, ctx) -> ctx.step("n".repeat(501), Integer.class, bodies::incrementAndGet));
    conductor.ensureInstalled();
    String id = conductor.invoke(REPEATS, new Order("o")).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(FAST)
            .handleSignals(false)
            .build()) {
      orchestrator.drain();
    }

    var failed = conductor.getExecution(id).orElseThrow();
    assertThat(failed.state()).isEqualTo(ExecutionState.FAILED);
    assertThat(failed.lastError()).contains("at most 500 characters; this one has 501");
    assertThat(bodies).as("the step's body did not run").hasValue(0);
  }
}
