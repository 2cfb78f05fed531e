package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.OrchestratorInfo;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The code of docs/orchestrator.md: settings, lifecycle, a handler that a stop interrupts, and a
 * drain with a deadline.
 */
public final class OrchestratorExamples {
  private static final Logger LOG = LoggerFactory.getLogger(OrchestratorExamples.class);

  private OrchestratorExamples() {}

  /** A monthly report, rendered part by part. */
  public record Report(String month) {}

  public static final TaskDefinition<Report, Void> REPORT =
      TaskDefinition.of("monthly-report", Report.class);

  /** The application's report renderer. */
  public interface Reports {
    List<String> parts(String month);

    void render(String part) throws InterruptedException;
  }

  /** An orchestrator with every setting spelled out (the values are the defaults but two). */
  public static Orchestrator configured(Conductor<?> conductor, Task<?, ?> greet) {
    // tag::builder[]
    Orchestrator orchestrator =
        Orchestrator.builder(conductor)
            .tasks(greet)
            .heartbeatInterval(Duration.ofSeconds(5)) // default 5 s
            .heartbeatTimeout(Duration.ofSeconds(30)) // default 30 s, at least 3 times the interval
            .shutdownGrace(Duration.ofSeconds(20)) // default 30 s
            .handleSignals(true) // default: SIGTERM/SIGINT stop it gracefully
            .startupTimeout(Duration.ofMinutes(2)) // default zero: no waiting for the database
            .build();
    // end::builder[]
    return orchestrator;
  }

  /** Starts, looks, and stops, as an application's own lifecycle would. */
  public static OrchestratorInfo lifecycle(Orchestrator orchestrator) {
    // tag::lifecycle[]
    orchestrator.start(); // returns once the workers run
    OrchestratorInfo info = orchestrator.info(); // id, running, shuttingDown, stopped

    CompletableFuture<Void> stopped = orchestrator.stop(); // returns at once; safe to repeat
    stopped.join(); // handlers finished or released, outcomes written, deregistered
    // end::lifecycle[]
    return info;
  }

  /** A long task that a stop interrupts and that resumes where it was. */
  public static Task<Report, Void> reportTask(Conductor<?> conductor, Reports reports) {
    // tag::stoppable[]
    Task<Report, Void> report =
        conductor.createTask(
            TaskOptions.of(REPORT),
            Trigger.invocable(),
            (event, ctx) -> {
              for (String part : reports.parts(event.payload().month())) {
                // on a stop the run ends before the next part (or, if a render outlasts the
                // grace period, by interrupting it) and resumes later with the next part
                ctx.step("render-" + part, () -> reports.render(part));
              }
              return null;
            });
    // end::stoppable[]
    return report;
  }

  /** A batch job's run: drain the queues, but give up after a while. */
  public static boolean drainFor(Orchestrator orchestrator, Duration timeout) {
    // tag::drain-timeout[]
    boolean drained = orchestrator.drain(timeout); // stops the orchestrator either way
    if (!drained) {
      LOG.warn("work was left after {}; the next run picks it up", timeout);
    }
    // end::drain-timeout[]
    return drained;
  }
}
