package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.Execution;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import jakarta.validation.constraints.NotBlank;

/**
 * The code of docs/getting-started.md: a shared definition, a handler, an invoke, an orchestrator
 * that runs it, and the result read back. {@link #run} does it all against one database.
 */
public final class GettingStarted {
  private GettingStarted() {}

  // tag::definitions[]
  /** The payload: validated before anything is written. */
  public record Greet(@NotBlank String name) {}

  /** The result, stored as JSON. */
  public record Greeting(String text) {}

  /** Shared by the service that invokes and the service that runs the task. */
  public static final TaskDefinition<Greet, Greeting> GREET =
      TaskDefinition.of("greet", Greet.class, Greeting.class);

  // end::definitions[]

  /**
   * Connects to the database; {@code url} is {@code postgres://…} or {@code jdbc:postgresql://…}.
   */
  public static Conductor<Void> connect(String url) {
    // tag::conductor[]
    Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url) // postgres://user:secret@host:5432/app or jdbc:postgresql://…
            .tasks(TaskSchemas.of(GREET))
            .build();
    conductor.ensureInstalled(); // creates or upgrades the pgconductor schema
    // end::conductor[]
    return conductor;
  }

  /** Registers the handler of {@link #GREET}. */
  public static Task<Greet, Greeting> register(Conductor<Void> conductor) {
    // tag::task[]
    Task<Greet, Greeting> greet =
        conductor.createTask(
            TaskOptions.of(GREET).maxAttempts(5),
            Trigger.invocable(),
            (event, ctx) -> {
              ctx.logger().info("greeting {}", event.payload().name());
              return new Greeting("Hello, " + event.payload().name());
            });
    // end::task[]
    return greet;
  }

  /** Invokes once and returns the execution id. */
  public static String invoke(Conductor<Void> conductor) {
    // tag::invoke[]
    String id = conductor.invoke(GREET, new Greet("World")).orElseThrow();
    // end::invoke[]
    return id;
  }

  /** Runs the handler in this process until the JVM is told to stop. */
  public static void serve(Conductor<Void> conductor, Task<Greet, Greeting> greet) {
    // tag::serve[]
    try (Orchestrator orchestrator = Orchestrator.builder(conductor).tasks(greet).build()) {
      orchestrator.start(); // installs the schema, registers, starts a worker for "default"
      orchestrator.stopped().join(); // until SIGTERM/SIGINT (or stop() from elsewhere)
    }
    // end::serve[]
  }

  /** Runs the handler until the queue is empty, then stops. */
  public static void drain(Conductor<Void> conductor, Task<Greet, Greeting> greet) {
    // tag::drain[]
    Orchestrator.builder(conductor).tasks(greet).build().drain();
    // end::drain[]
  }

  /** Reads the execution back. */
  public static Greeting result(Conductor<Void> conductor, String id) {
    // tag::result[]
    Execution<Greet, Greeting> execution = conductor.getExecution(GREET, id).orElseThrow();
    if (execution.state() == ExecutionState.COMPLETED) {
      System.out.println(execution.result().text()); // Hello, World
    }
    // end::result[]
    return execution.result();
  }

  /** The whole guide in one go: connect, register, invoke, drain, read the result. */
  public static Greeting run(String url) {
    try (Conductor<Void> conductor = connect(url)) {
      Task<Greet, Greeting> greet = register(conductor);
      String id = invoke(conductor);
      drain(conductor, greet);
      return result(conductor, id);
    }
  }
}
