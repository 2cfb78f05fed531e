package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.Execution;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.RetryPolicy;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.testing.TestClock;
import java.time.Duration;

/** The code of docs/retries.md: attempts, the last error, and retries under a test clock. */
public final class RetryExamples {
  private RetryExamples() {}

  /** Pull an account's data from a partner API that is sometimes down. */
  public record Sync(String accountId) {}

  public static final TaskDefinition<Sync, Void> SYNC =
      TaskDefinition.of("sync-account", Sync.class);

  /** The partner API. */
  public interface PartnerApi {
    void pull(String accountId) throws Exception;
  }

  /** The sync task: five attempts. */
  public static Task<Sync, Void> syncTask(Conductor<?> conductor, PartnerApi partner) {
    // tag::max-attempts[]
    Task<Sync, Void> sync =
        conductor.createTask(
            TaskOptions.of(SYNC).maxAttempts(5), // retried after 15 s, 30 s, 60 s and 60 s
            Trigger.invocable(),
            (event, ctx) -> {
              partner.pull(event.payload().accountId()); // an exception fails this attempt
              return null;
            });
    // end::max-attempts[]
    return sync;
  }

  /** The sync task with a bound on each run: a hung partner call cannot hold a worker for ever. */
  public static Task<Sync, Void> boundedSyncTask(Conductor<?> conductor, PartnerApi partner) {
    // tag::timeout[]
    Task<Sync, Void> sync =
        conductor.createTask(
            TaskOptions.of(SYNC).maxAttempts(5).timeout(Duration.ofMinutes(2)),
            Trigger.invocable(),
            (event, ctx) -> {
              // a run longer than 2 minutes fails its attempt, and this thread is interrupted
              partner.pull(event.payload().accountId());
              return null;
            });
    // end::timeout[]
    return sync;
  }

  /** The sync task with a retry policy of its own. */
  public static Task<Sync, Void> patientSyncTask(Conductor<?> conductor, PartnerApi partner) {
    // tag::retry-policy[]
    Task<Sync, Void> sync =
        conductor.createTask(
            TaskOptions.of(SYNC)
                .maxAttempts(8)
                .retry(
                    RetryPolicy.exponential(Duration.ofSeconds(1), Duration.ofMinutes(10))
                        .withJitter(0.2) // 0.8 s to 1.2 s, then 1.6 s to 2.4 s, … at most 12 min
                        .notRetrying(IllegalArgumentException.class)), // fails at once
            Trigger.invocable(),
            (event, ctx) -> {
              partner.pull(event.payload().accountId());
              return null;
            });
    // end::retry-policy[]
    return sync;
  }

  /** Describes where an execution stands, with its last error. */
  public static String describe(Conductor<?> conductor, String id) {
    // tag::last-error[]
    Execution<Sync, Void> execution = conductor.getExecution(SYNC, id).orElseThrow();
    String status =
        switch (execution.state()) {
          case PENDING ->
              execution.attempts() == 0
                  ? "not started yet"
                  : "attempt "
                      + execution.attempts()
                      + " failed ("
                      + execution.lastError()
                      + "), retried at "
                      + execution.runAt();
          case RUNNING -> "running attempt " + execution.attempts();
          case COMPLETED -> "done after " + execution.attempts() + " attempts";
          case FAILED ->
              "failed for good after "
                  + execution.attempts()
                  + " attempts: "
                  + execution.lastError()
                  + "\n"
                  + execution.lastErrorStack();
          case WAITING, CANCELLED -> execution.state().toString();
        };
    // end::last-error[]
    return status;
  }

  /** A retry, tested without waiting for the backoff. */
  public static Execution<Sync, Void> retryWithTestClock(String url, PartnerApi partner) {
    // tag::test-clock[]
    TestClock clock = new TestClock(); // starts at the current time
    try (Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url)
            .tasks(TaskSchemas.of(SYNC))
            .clock(clock)
            .build()) {
      conductor.ensureInstalled();
      Task<Sync, Void> sync = syncTask(conductor, partner);
      String id = conductor.invoke(SYNC, new Sync("acme")).orElseThrow();

      Orchestrator.builder(conductor).tasks(sync).build().drain(); // attempt 1 fails
      clock.advance(Duration.ofSeconds(15)); // the backoff after attempt 1
      Orchestrator.builder(conductor).tasks(sync).build().drain(); // attempt 2 runs

      return conductor.getExecution(SYNC, id).orElseThrow();
    }
    // end::test-clock[]
  }
}
