package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SmokeIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Greet(String name) {}

  record Greeting(String text) {}

  static final TaskDefinition<Greet, Greeting> GREET =
      TaskDefinition.of("greet", Greet.class, Greeting.class);

  @Test
  void invokesAndRuns() {
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(GREET)).build());
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> new Greeting("Hello, " + event.payload().name()));
    conductor.ensureInstalled();
    String id = conductor.invoke(GREET, new Greet("World"));
    List<String> ids =
        conductor.invokeBatch(
            GREET, IntStream.range(0, 2000).mapToObj(i -> Invocation.of(new Greet("n" + i))).toList());
    long t0 = System.nanoTime();
    try (var orchestrator = Orchestrator.builder(conductor).tasks(task).build()) {
      orchestrator.drain();
    }
    System.out.println("drained in " + Duration.ofNanos(System.nanoTime() - t0));
    var execution = conductor.getExecution(GREET, id).orElseThrow();
    assertThat(execution.state()).isEqualTo(ExecutionState.COMPLETED);
    assertThat(execution.result()).isEqualTo(new Greeting("Hello, World"));
    assertThat(db.queryLong("select count(*) from pgconductor.finished_executions")).isEqualTo(2001);
    assertThat(ids).hasSize(2000).doesNotHaveDuplicates();
  }
}
