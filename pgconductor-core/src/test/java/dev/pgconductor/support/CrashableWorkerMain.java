package dev.pgconductor.support;

import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.WorkerConfig;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Run in a child JVM by crash tests: an orchestrator whose "stuck" handler never returns, so the
 * test can kill the process while it holds executions, or send it SIGTERM (the orchestrator's
 * shutdown hook then stops it gracefully). Prints "STARTED id" once it runs.
 */
public final class CrashableWorkerMain {
  public record Job(int n) {}

  public static final TaskDefinition<Job, String> STUCK =
      TaskDefinition.of("stuck", Job.class, String.class);

  private CrashableWorkerMain() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    var conductor = Conductor.builder().connectionString(url).tasks(TaskSchemas.of(STUCK)).build();
    var task =
        conductor.createTask(
            TaskOptions.of(STUCK),
            Trigger.invocable(),
            (event, ctx) -> {
              new CountDownLatch(1).await();
              return "never";
            });
    var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(50)).build())
            .heartbeatInterval(Duration.ofMillis(200))
            .heartbeatTimeout(Duration.ofSeconds(3))
            .shutdownGrace(Duration.ofMillis(500))
            .build();
    orchestrator.start();
    System.out.println("STARTED " + orchestrator.info().id());
    System.out.flush();
    orchestrator.stopped().join();
  }
}
