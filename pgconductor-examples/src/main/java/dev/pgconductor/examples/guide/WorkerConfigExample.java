package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import dev.pgconductor.Worker;
import dev.pgconductor.WorkerConfig;
import java.time.Duration;
import java.util.List;

/**
 * The code of docs/worker-config.md: a task on its own queue with a custom worker, next to tasks on
 * the default queue served by the default worker.
 */
public final class WorkerConfigExample {
  private WorkerConfigExample() {}

  // tag::definitions[]
  public record Resize(String imageId, int width) {}

  public record Notify(String userId, String text) {}

  /** Image work goes to the "images" queue: every invoker knows this from the definition. */
  public static final TaskDefinition<Resize, Void> RESIZE =
      TaskDefinition.of("resize-image", Resize.class).onQueue("images");

  public static final TaskDefinition<Notify, Void> NOTIFY =
      TaskDefinition.of("notify", Notify.class); // queue "default"

  // end::definitions[]

  /** An orchestrator with a small worker for images and a wide default worker. */
  public static Orchestrator orchestrator(Conductor<?> conductor, Images images) {
    Task<Notify, Void> notify =
        conductor.createTask(TaskOptions.of(NOTIFY), Trigger.invocable(), (event, ctx) -> null);
    // tag::workers[]
    Task<Resize, Void> resize =
        conductor.createTask(
            TaskOptions.of(RESIZE),
            Trigger.invocable(),
            (event, ctx) -> {
              images.resize(event.payload().imageId(), event.payload().width());
              return null;
            });

    Worker imageWorker =
        conductor.createWorker(
            "images",
            List.of(resize),
            WorkerConfig.builder()
                .concurrency(4) // CPU-heavy: no more than 4 at once in this process
                .fetchBatchSize(2) // hold few, so other processes get their share
                .build());

    Orchestrator orchestrator =
        Orchestrator.builder(conductor)
            .tasks(notify) // the default worker, one per queue of these tasks
            .defaultWorker(
                WorkerConfig.builder()
                    .concurrency(100) // short I/O-bound handlers on virtual threads
                    .fetchBatchSize(50)
                    .flushInterval(Duration.ofMillis(500))
                    .build())
            .workers(imageWorker)
            .build();
    // end::workers[]
    return orchestrator;
  }

  /** The image library of the application. */
  public interface Images {
    void resize(String imageId, int width);
  }
}
