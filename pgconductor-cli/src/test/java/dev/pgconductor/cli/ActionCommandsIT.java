package dev.pgconductor.cli;

import static dev.pgconductor.cli.Fixtures.EXPLODE;
import static dev.pgconductor.cli.Fixtures.GREET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgconductor.Conductor;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.InvokeOptions;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.cli.Fixtures.Greet;
import dev.pgconductor.cli.Fixtures.Greeting;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** retry, cancel and invoke, against tasks that a real orchestrator registered and runs. */
class ActionCommandsIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final TaskDefinition<Void, Void> YEARLY = TaskDefinition.of("yearly");
  static final TaskDefinition<Void, Void> HANG = TaskDefinition.of("hang");
  static final CountDownLatch hangStarted = new CountDownLatch(1);
  static final Pattern UUID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  static final AtomicBoolean failing = new AtomicBoolean(true);
  static Conductor<Void> conductor;
  static List<Task<?, ?>> tasks;
  static CliRunner cli;

  @BeforeAll
  static void registerTasks() {
    conductor = db.closeAfter(db.conductor(TaskSchemas.of(GREET, EXPLODE, YEARLY, HANG)).build());
    tasks =
        List.of(
            conductor.createTask(
                TaskOptions.of(GREET),
                Trigger.invocable(),
                (event, ctx) -> new Greeting("Hello, " + event.payload().name())),
            conductor.createTask(
                TaskOptions.of(EXPLODE).maxAttempts(1),
                Trigger.invocable(),
                (event, ctx) -> {
                  if (failing.get()) {
                    throw new IllegalStateException("boom for " + event.payload().name());
                  }
                  return null;
                }),
            conductor.createTask(
                TaskOptions.of(YEARLY),
                Trigger.cron("0 0 1 1 *", "new-year"),
                (event, ctx) -> null),
            conductor.createTask(
                TaskOptions.of(HANG),
                Trigger.invocable(),
                (event, ctx) -> {
                  hangStarted.countDown();
                  new CountDownLatch(1).await(); // until the cancellation interrupts it
                  return null;
                }));
    drain(); // registers the tasks in pgconductor.tasks
    cli = CliRunner.withDatabase(db.url());
  }

  @Test
  void retryRunsAFailedExecutionAgain() {
    failing.set(true);
    String id = conductor.invoke(EXPLODE, new Greet("r")).orElseThrow();
    drain();
    assertThat(state(id)).isEqualTo(ExecutionState.FAILED);

    failing.set(false);
    var result = cli.run("retry", id);
    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).isEqualTo("Execution " + id + " is pending again, due now.\n");
    assertThat(state(id)).isEqualTo(ExecutionState.PENDING);

    try (Orchestrator orchestrator =
        Orchestrator.builder(conductor).tasks(tasks).handleSignals(false).build()) {
      orchestrator.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> state(id) == ExecutionState.COMPLETED);
    }
    var execution = conductor.getExecution(id).orElseThrow();
    assertThat(execution.attempts()).isEqualTo(1);
    assertThat(execution.lastError()).isEqualTo("boom for r"); // kept from the failed run
  }

  @Test
  void retryRefusesWhatIsUnknownOrNotFailed() {
    String completed = conductor.invoke(GREET, new Greet("c")).orElseThrow();
    drain();
    String pending = later("p");

    var ofCompleted = cli.run("retry", completed);
    assertThat(ofCompleted.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(ofCompleted.err())
        .isEqualTo(
            "pgconductor: execution "
                + completed
                + " is completed: only a failed or cancelled execution can be retried\n");
    assertThat(cli.run("retry", pending).err()).contains("is pending: only a failed or cancelled");
    var unknown = cli.run("retry", "0190f3a2-5c1e-7d4b-9a61-3f0e2b7c8d15");
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(unknown.err())
        .isEqualTo("pgconductor: no execution 0190f3a2-5c1e-7d4b-9a61-3f0e2b7c8d15\n");
    var malformed = cli.run("retry", "abc");
    assertThat(malformed.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(malformed.err()).isEqualTo("pgconductor: 'abc' is not an execution id (a UUID)\n");
    assertThat(cli.run("retry").exitCode()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void cancelFailsAnExecutionThatHasNotRunWithTheReason() {
    String id = later("x");
    var result = cli.run("cancel", id, "--reason", "operator said so");
    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out())
        .isEqualTo(
            "Execution " + id + " is cancelled: it failed with the reason and will not run.\n");
    var execution = conductor.getExecution(id).orElseThrow();
    assertThat(execution.state()).isEqualTo(ExecutionState.FAILED);
    assertThat(execution.lastError()).isEqualTo("operator said so");

    var again = cli.run("cancel", id);
    assertThat(again.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(again.err())
        .isEqualTo("pgconductor: execution " + id + " has already finished (failed)\n");
    assertThat(cli.run("cancel", "0190f3a2-5c1e-7d4b-9a61-3f0e2b7c8d15").err())
        .contains("no execution 0190f3a2-5c1e-7d4b-9a61-3f0e2b7c8d15");

    // and a cancelled execution can be retried
    var retried = cli.run("retry", id, "--json");
    assertThat(retried.exitCode()).as(retried.toString()).isZero();
    assertThat(retried.json().get("id").asText()).isEqualTo(id);
    assertThat(retried.json().get("retried").asBoolean()).isTrue();
    assertThat(state(id)).isEqualTo(ExecutionState.PENDING);
  }

  @Test
  void cancelOfARunningExecutionIsARequestItsHandlerHears() throws Exception {
    try (Orchestrator orchestrator =
        Orchestrator.builder(conductor).tasks(tasks).handleSignals(false).build()) {
      orchestrator.start();
      String id = conductor.invoke(HANG, null).orElseThrow();
      assertThat(hangStarted.await(20, TimeUnit.SECONDS)).isTrue();
      var result = cli.run("cancel", id, "--reason", "stuck");
      assertThat(result.exitCode()).as(result.toString()).isZero();
      assertThat(result.out())
          .isEqualTo(
              "Cancellation of execution "
                  + id
                  + " requested: it stops at its next step or checkpoint.\n");
      await().atMost(Duration.ofSeconds(20)).until(() -> state(id) == ExecutionState.CANCELLED);
      assertThat(conductor.getExecution(id).orElseThrow().lastError()).isEqualTo("stuck");
    }
  }

  @Test
  void cancelWithJsonOutputAndTheDefaultReason() {
    String id = later("y");
    var result = cli.run("cancel", id, "--json");
    assertThat(result.exitCode()).isZero();
    JsonNode json = result.json();
    assertThat(json.get("id").asText()).isEqualTo(id);
    assertThat(json.get("cancelled").asBoolean()).isTrue();
    assertThat(json.get("wasRunning").asBoolean()).isFalse();
    assertThat(conductor.getExecution(id).orElseThrow().lastError()).isEqualTo("Cancelled by user");
  }

  @Test
  void invokeStoresAnExecutionThatTheTaskRunsWithThePayload() {
    var result = cli.run("invoke", "greet", "--payload", "{\"name\": \"cli\"}");
    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).startsWith("Invoked task 'greet' on queue 'default': execution ");
    String id = firstId(result.out());
    drain();
    var execution = conductor.getExecution(GREET, id).orElseThrow();
    assertThat(execution.state()).isEqualTo(ExecutionState.COMPLETED);
    assertThat(execution.payload()).isEqualTo(new Greet("cli"));
    assertThat(execution.result()).isEqualTo(new Greeting("Hello, cli"));

    var json = cli.run("invoke", "greet", "--payload", "{\"name\": \"json\"}", "--json");
    assertThat(json.exitCode()).isZero();
    assertThat(json.json().get("task").asText()).isEqualTo("greet");
    assertThat(json.json().get("queue").asText()).isEqualTo("default");
    assertThat(json.json().get("deduplicated").asBoolean()).isFalse();
    assertThat(
            conductor.getExecution(GREET, json.json().get("id").asText()).orElseThrow().payload())
        .isEqualTo(new Greet("json"));
  }

  @Test
  void invokeWithADedupeKeyReplacesTheExecutionThatHasNotStarted(@TempDir Path dir)
      throws Exception {
    Instant start = Instant.now();
    var first =
        cli.run(
            "invoke",
            "greet",
            "--payload",
            "{\"name\":\"d1\"}",
            "--dedupe-key",
            "k",
            "--priority",
            "5",
            "--run-at",
            "1h");
    assertThat(first.exitCode()).as(first.toString()).isZero();
    String id = firstId(first.out());
    var stored = conductor.getExecution(GREET, id).orElseThrow();
    assertThat(stored.priority()).isEqualTo(5);
    assertThat(stored.dedupeKey()).isEqualTo("k");
    assertThat(stored.runAt())
        .isBetween(start.plus(Duration.ofMinutes(59)), start.plus(Duration.ofMinutes(61)));

    Path payload = dir.resolve("payload.json");
    Files.writeString(payload, "{\"name\":\"d2\"}");
    var second =
        cli.run(
            "invoke", "greet", "--payload", "@" + payload, "--dedupe-key", "k", "--run-at", "2h");
    assertThat(second.exitCode()).as(second.toString()).isZero();
    assertThat(second.out())
        .isEqualTo(
            "Dedupe key 'k' matched execution "
                + id
                + ", not started yet: its payload, priority and run time were replaced.\n");
    var replaced = conductor.getExecution(GREET, id).orElseThrow();
    assertThat(replaced.payload()).isEqualTo(new Greet("d2"));
    assertThat(replaced.priority()).isZero();
    assertThat(replaced.runAt()).isAfter(start.plus(Duration.ofMinutes(119)));

    var json =
        cli.run(
            "invoke",
            "greet",
            "--payload",
            "{\"name\":\"d3\"}",
            "--dedupe-key",
            "k",
            "--run-at",
            "2h",
            "--json");
    assertThat(json.json().get("id").asText()).isEqualTo(id);
    assertThat(json.json().get("deduplicated").asBoolean()).isTrue();
  }

  @Test
  void invokeRefusesUnknownTasksBadJsonAndTasksThatAreNotInvocable() {
    var unknown = cli.run("invoke", "nope", "--payload", "{}");
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(unknown.err())
        .isEqualTo(
            "pgconductor: unknown task 'nope': no orchestrator has registered it (see"
                + " pgconductor.tasks)\n");
    var badJson = cli.run("invoke", "greet", "--payload", "{name: x}");
    assertThat(badJson.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(badJson.err()).startsWith("pgconductor: the payload is not valid JSON: ");
    var truncated = cli.run("invoke", "greet", "--payload", "{\"name\": ");
    assertThat(truncated.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(truncated.err()).startsWith("pgconductor: the payload is not valid JSON: ");
    var notInvocable = cli.run("invoke", "yearly");
    assertThat(notInvocable.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(notInvocable.err())
        .isEqualTo(
            "pgconductor: task 'yearly' is not invocable: it is registered without an invocable"
                + " trigger\n");
    var missingFile = cli.run("invoke", "greet", "--payload", "@/no/such/file.json");
    assertThat(missingFile.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(missingFile.err()).contains("cannot read the payload file /no/such/file.json");
    assertThat(cli.run("invoke").exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(cli.run("invoke", "greet", "--priority", "high").exitCode())
        .isEqualTo(ExitCodes.USAGE);
    assertThat(cli.run("invoke", "greet", "--run-at", "soon").exitCode())
        .isEqualTo(ExitCodes.USAGE);
    for (var r : List.of(unknown, badJson, notInvocable)) {
      assertThat(r.err()).doesNotContain("\tat ");
      assertThat(r.out()).isEmpty();
    }
  }

  private static String later(String name) {
    return conductor
        .invoke(
            GREET,
            new Greet(name),
            InvokeOptions.DEFAULT.withRunAt(Instant.now().plus(Duration.ofHours(1))))
        .orElseThrow();
  }

  private static void drain() {
    try (Orchestrator orchestrator =
        Orchestrator.builder(conductor).tasks(tasks).handleSignals(false).build()) {
      assertThat(orchestrator.drain(Duration.ofSeconds(30))).isTrue();
    }
  }

  private static ExecutionState state(String id) {
    return conductor.getExecution(id).orElseThrow().state();
  }

  private static String firstId(String text) {
    Matcher m = UUID.matcher(text);
    assertThat(m.find()).as(text).isTrue();
    return m.group();
  }
}
