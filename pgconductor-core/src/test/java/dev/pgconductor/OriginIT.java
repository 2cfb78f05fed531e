package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Where an execution came from, what its handler is told, and reading payloads and children. */
class OriginIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Item(String sku, int quantity) {}

  static final TaskDefinition<Item, Integer> COUNT =
      TaskDefinition.of("count", Item.class, Integer.class);
  static final TaskDefinition<Item, String> ORDER =
      TaskDefinition.of("order", Item.class, String.class);

  @BeforeEach
  void clean() {
    db.installSchema();
    db.emptyExecutionTables();
  }

  @Test
  void anInvokedExecutionKeepsItsPayloadAndOriginAndItsHandlerSeesAnInvokedEvent() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(COUNT, ORDER)).build());
    ConcurrentLinkedQueue<TaskEvent<Item>> events = new ConcurrentLinkedQueue<>();
    var count =
        conductor.createTask(
            TaskOptions.of(COUNT),
            Trigger.invocable(),
            (event, ctx) -> {
              events.add(event);
              return event.payload().quantity();
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(COUNT, new Item("apple", 3)).orElseThrow();

    Execution<Item, Integer> pending = conductor.getExecution(COUNT, id).orElseThrow();
    assertThat(pending.payload()).isEqualTo(new Item("apple", 3));
    assertThat(pending.origin()).isEqualTo(new Origin.Invoked());
    assertThat(pending.result()).isNull();

    drain(conductor, count);

    Execution<Item, Integer> done = conductor.getExecution(COUNT, id).orElseThrow();
    assertThat(done.payload()).isEqualTo(new Item("apple", 3));
    assertThat(done.origin()).isEqualTo(new Origin.Invoked());
    assertThat(done.result()).isEqualTo(3);
    assertThat(events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e).isInstanceOf(TaskEvent.Invoked.class);
              assertThat(e.name()).isEqualTo(TaskEvent.INVOKE_EVENT);
            });
  }

  @Test
  void childrenAreListedWithTheirParentAsOriginWhileRunningAndAfterTheyFinished() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(COUNT, ORDER)).build());
    var count =
        conductor.createTask(
            TaskOptions.of(COUNT), Trigger.invocable(), (e, ctx) -> e.payload().quantity() * 10);
    var order =
        conductor.createTask(
            TaskOptions.of(ORDER),
            Trigger.invocable(),
            (e, ctx) -> {
              int first = ctx.invoke("first", COUNT, new Item("pear", 1));
              int second = ctx.invoke("second", COUNT, new Item("plum", 2));
              return first + "+" + second;
            });
    conductor.ensureInstalled();
    String parent = conductor.invoke(ORDER, new Item("basket", 1)).orElseThrow();

    drain(conductor, count, order);

    assertThat(conductor.getExecution(ORDER, parent).orElseThrow().result()).isEqualTo("10+20");
    List<Execution<Object, Object>> children = conductor.getChildren(parent);
    assertThat(children)
        .extracting(Execution::payload)
        .containsExactly(new Item("pear", 1), new Item("plum", 2));
    assertThat(children).extracting(Execution::result).containsExactly(10, 20);
    assertThat(children)
        .allSatisfy(
            child -> {
              assertThat(child.origin()).isEqualTo(new Origin.Child(parent));
              assertThat(child.parentId()).isEqualTo(parent);
              assertThat(child.state()).isEqualTo(ExecutionState.COMPLETED);
            });
    assertThat(conductor.getChildren(children.getFirst().id())).isEmpty();
    assertThat(conductor.getChildren(UUID.randomUUID().toString())).isEmpty();
    assertThat(conductor.getChildren("not-an-id")).isEmpty();
  }

  @Test
  void aConductorThatDoesNotKnowTheTaskReadsPayloadAndResultAsJson() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(COUNT)).build());
    var count =
        conductor.createTask(
            TaskOptions.of(COUNT), Trigger.invocable(), (e, ctx) -> e.payload().quantity());
    conductor.ensureInstalled();
    String id = conductor.invoke(COUNT, new Item("fig", 7)).orElseThrow();
    drain(conductor, count);

    var stranger = db.closeAfter(db.conductor(TaskSchemas.empty()).build());
    Execution<Object, Object> seen = stranger.getExecution(id).orElseThrow();
    assertThat(seen.payload()).isInstanceOf(JsonNode.class);
    assertThat(((JsonNode) seen.payload()).path("sku").asText()).isEqualTo("fig");
    assertThat(((JsonNode) seen.result()).asInt()).isEqualTo(7);
    assertThat(seen.origin()).isEqualTo(new Origin.Invoked());
  }

  private static void drain(Conductor<?> conductor, Task<?, ?>... tasks) {
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(tasks)
            .handleSignals(false)
            .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build())
            .build()) {
      assertThat(orchestrator.drain(Duration.ofSeconds(30))).isTrue();
    }
  }
}
