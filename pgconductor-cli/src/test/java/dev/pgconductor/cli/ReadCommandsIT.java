package dev.pgconductor.cli;

import static dev.pgconductor.cli.Fixtures.BACKLOG;
import static dev.pgconductor.cli.Fixtures.CHILD;
import static dev.pgconductor.cli.Fixtures.EXPLODE;
import static dev.pgconductor.cli.Fixtures.GREET;
import static dev.pgconductor.cli.Fixtures.PARENT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgconductor.Conductor;
import dev.pgconductor.InvokeOptions;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.Task;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import dev.pgconductor.cli.Fixtures.Greet;
import dev.pgconductor.cli.Fixtures.Greeting;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * status, executions list and executions show against a database where a real orchestrator ran
 * tasks: three greets completed, two explodes failed, a parent waits in a sleep after its child
 * completed, two executions are pending on a queue nobody serves, and one greet is due in an hour.
 */
class ReadCommandsIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static Conductor<Void> conductor;
  static List<Task<?, ?>> tasks;
  static List<String> greets = new ArrayList<>();
  static List<String> explodes = new ArrayList<>();
  static List<String> backlog = new ArrayList<>();
  static String parent;
  static String later;
  static CliRunner cli;

  @BeforeAll
  static void runSomeTasks() {
    conductor = db.closeAfter(db.conductor(Fixtures.SCHEMAS).build());
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
                  throw new IllegalStateException("boom for " + event.payload().name());
                }),
            conductor.createTask(
                TaskOptions.of(PARENT),
                Trigger.invocable(),
                (event, ctx) -> {
                  String name = event.payload().name();
                  String prepared = ctx.step("prepare", String.class, () -> "prepared " + name);
                  Greeting child = ctx.invoke("charge", CHILD, new Greet(name));
                  ctx.sleep("cool-off", Fixtures.PARENT_SLEEP);
                  return prepared + ", " + child.text();
                }),
            conductor.createTask(
                TaskOptions.of(CHILD),
                Trigger.invocable(),
                (event, ctx) -> new Greeting("child of " + event.payload().name())));
    conductor.ensureInstalled();
    for (String name : List.of("a", "b", "c")) {
      greets.add(conductor.invoke(GREET, new Greet(name)).orElseThrow());
    }
    for (String name : List.of("x", "y")) {
      explodes.add(conductor.invoke(EXPLODE, new Greet(name)).orElseThrow());
    }
    parent = conductor.invoke(PARENT, new Greet("p")).orElseThrow();
    try (Orchestrator orchestrator =
        Orchestrator.builder(conductor).tasks(tasks).handleSignals(false).build()) {
      assertThat(orchestrator.drain(Duration.ofSeconds(30))).isTrue();
    }
    for (String name : List.of("q1", "q2")) {
      backlog.add(conductor.invoke(BACKLOG, new Greet(name)).orElseThrow());
    }
    later =
        conductor
            .invoke(
                GREET,
                new Greet("later"),
                InvokeOptions.DEFAULT.withRunAt(Instant.now().plus(Duration.ofHours(1))))
            .orElseThrow();
    cli = CliRunner.withDatabase(db.url());
  }

  @Test
  void statusCountsEachQueueByStateWithRecentOutcomes() {
    var result = cli.run("status", "--json");
    assertThat(result.exitCode()).as(result.toString()).isZero();
    JsonNode status = result.json();
    JsonNode def = queue(status, "default");
    assertThat(def.get("pending").asLong()).isZero();
    assertThat(def.get("scheduled").asLong()).isEqualTo(1);
    assertThat(def.get("running").asLong()).isZero();
    assertThat(def.get("waiting").asLong()).isEqualTo(1);
    assertThat(def.get("oldestPendingAge").isNull()).isTrue();
    assertThat(def.get("completed").asLong()).isEqualTo(4); // three greets and the child
    assertThat(def.get("failed").asLong()).isEqualTo(2);
    assertThat(def.get("cancelled").asLong()).isZero();
    JsonNode back = queue(status, "backlog");
    assertThat(back.get("pending").asLong()).isEqualTo(2);
    assertThat(Duration.parse(back.get("oldestPendingAge").asText())).isPositive();
    assertThat(back.get("completed").asLong()).isZero();
    assertThat(status.get("window").asText()).isEqualTo("PT1H");
    assertThat(status.get("orchestrators")).isEmpty();

    var human = cli.run("status");
    assertThat(human.exitCode()).isZero();
    assertThat(human.out())
        .contains("QUEUE", "PENDING", "SCHEDULED", "OLDEST PENDING")
        .contains("No orchestrator is registered.");
    assertThat(human.out().lines().filter(l -> l.startsWith("default ")).findFirst().orElseThrow())
        .matches("default\\s+0\\s+1\\s+0\\s+1\\s+-\\s+4\\s+2\\s+0");
  }

  @Test
  void statusShowsTheLiveOrchestratorsWithWhatTheyServe() {
    try (Orchestrator orchestrator =
        Orchestrator.builder(conductor).tasks(tasks).handleSignals(false).build()) {
      orchestrator.start();
      var result = cli.run("status", "--json", "--window", "2h");
      assertThat(result.exitCode()).as(result.toString()).isZero();
      JsonNode orchestrators = result.json().get("orchestrators");
      assertThat(orchestrators).hasSize(1);
      JsonNode o = orchestrators.get(0);
      assertThat(o.get("id").asText()).isEqualTo(orchestrator.info().id());
      assertThat(o.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
      assertThat(o.get("host").asText()).isNotBlank();
      assertThat(Duration.parse(o.get("heartbeatAge").asText())).isLessThan(Duration.ofMinutes(1));
      assertThat(o.get("serves")).hasSize(1);
      assertThat(o.get("serves").get(0).get("queue").asText()).isEqualTo("default");
      assertThat(texts(o.get("serves").get(0).get("tasks")))
          .containsExactly("child", "explode", "greet", "parent");
      assertThat(result.json().get("window").asText()).isEqualTo("PT2H");

      var human = cli.run("status");
      assertThat(human.out())
          .contains(
              "ORCHESTRATOR", orchestrator.info().id(), "default: child, explode, greet, parent");
    }
  }

  @Test
  void listShowsEveryExecutionNewestFirst() {
    var result = cli.run("executions", "list", "--json");
    assertThat(result.exitCode()).as(result.toString()).isZero();
    List<String> ids = ids(result.json());
    assertThat(ids).hasSize(10); // 3 greets, 2 explodes, parent, child, 2 backlog, later
    assertThat(ids).isSortedAccordingTo((a, b) -> b.compareTo(a));
    assertThat(ids.getFirst()).isEqualTo(later);
    assertThat(result.json().get("nextCursor").isNull()).isTrue();
    JsonNode first = result.json().get("executions").get(0);
    assertThat(first.get("task").asText()).isEqualTo("greet");
    assertThat(first.get("state").asText()).isEqualTo("pending");
    assertThat(first.get("runAt").asText()).isNotEmpty();
    assertThat(first.fieldNames())
        .toIterable()
        .containsExactly(
            "id",
            "task",
            "queue",
            "state",
            "attempts",
            "priority",
            "dedupeKey",
            "parentId",
            "origin",
            "originName",
            "createdAt",
            "runAt",
            "startedAt",
            "finishedAt",
            "lastError");

    var human = cli.run("executions", "list");
    assertThat(human.out().lines().findFirst().orElseThrow())
        .matches("ID\\s+TASK\\s+QUEUE\\s+STATE\\s+ATTEMPTS\\s+CREATED\\s+LAST ERROR");
    assertThat(human.out())
        .containsPattern(
            explodes.getFirst() + "\\s+explode\\s+default\\s+failed\\s+1\\s+\\S+Z\\s+boom for x");
  }

  @Test
  void listFiltersByTaskQueueAndState() {
    assertThat(ids(cli.run("executions", "list", "--task", "greet", "--json").json()))
        .containsExactlyInAnyOrderElementsOf(concat(greets, List.of(later)));
    assertThat(ids(cli.run("executions", "list", "--state", "failed", "--json").json()))
        .containsExactlyInAnyOrderElementsOf(explodes);
    assertThat(ids(cli.run("executions", "list", "--state", "WAITING", "--json").json()))
        .containsExactly(parent);
    assertThat(
            ids(
                cli.run("executions", "list", "--state", "pending", "--queue", "backlog", "--json")
                    .json()))
        .containsExactlyInAnyOrderElementsOf(backlog);
    assertThat(ids(cli.run("executions", "list", "--state", "completed", "--json").json()))
        .hasSize(4)
        .containsAll(greets);
    assertThat(
            ids(
                cli.run("executions", "list", "--state", "completed", "--task", "greet", "--json")
                    .json()))
        .containsExactlyInAnyOrderElementsOf(greets);
    var none = cli.run("executions", "list", "--state", "running");
    assertThat(none.exitCode()).isZero();
    assertThat(none.out()).isEqualTo("No execution matches.\n");
  }

  @Test
  void listFiltersByCreationTime() {
    Instant backlogCreated =
        Instant.parse(
            cli.run("executions", "show", backlog.getFirst(), "--json")
                .json()
                .get("execution")
                .get("createdAt")
                .asText());
    long newer =
        db.queryLong(
            "select count(*) from pgconductor.all_executions where created_at >= ?",
            java.sql.Timestamp.from(backlogCreated));
    List<String> since =
        ids(cli.run("executions", "list", "--since", backlogCreated.toString(), "--json").json());
    assertThat(since).hasSize((int) newer).contains(backlog.getFirst(), later);
    List<String> until =
        ids(cli.run("executions", "list", "--until", backlogCreated.toString(), "--json").json());
    assertThat(until).hasSize(10 - (int) newer).doesNotContain(backlog.getFirst());
    assertThat(ids(cli.run("executions", "list", "--since", "1h", "--json").json())).hasSize(10);
    assertThat(ids(cli.run("executions", "list", "--until", "1h", "--json").json())).isEmpty();
  }

  @Test
  void listPagesWithACursor() {
    List<String> all = ids(cli.run("executions", "list", "--json").json());
    List<String> paged = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      var result =
          cursor == null
              ? cli.run("executions", "list", "--limit", "3", "--json")
              : cli.run("executions", "list", "--limit", "3", "--after", cursor, "--json");
      assertThat(result.exitCode()).isZero();
      List<String> page = ids(result.json());
      assertThat(page.size()).isLessThanOrEqualTo(3);
      paged.addAll(page);
      JsonNode next = result.json().get("nextCursor");
      cursor = next.isNull() ? null : next.asText();
      pages++;
    } while (cursor != null);
    assertThat(pages).isEqualTo(4); // 3 + 3 + 3 + 1
    assertThat(paged).isEqualTo(all);

    var human = cli.run("executions", "list", "--limit", "2");
    assertThat(human.out()).contains("Next page: --after " + all.get(1));
    var second = cli.run("executions", "list", "--limit", "2", "--after", all.get(1));
    assertThat(second.out()).contains(all.get(2), all.get(3)).doesNotContain(all.get(1));
  }

  @Test
  void showsAWaitingParentWithItsStepsAndChild() {
    var result = cli.run("executions", "show", parent, "--json");
    assertThat(result.exitCode()).as(result.toString()).isZero();
    JsonNode detail = result.json();
    assertThat(detail.get("execution").get("state").asText()).isEqualTo("waiting");
    assertThat(detail.get("execution").get("origin").asText()).isEqualTo("invoked");
    assertThat(detail.get("payload").get("name").asText()).isEqualTo("p");
    assertThat(detail.get("result").isNull()).isTrue();
    JsonNode steps = detail.get("steps");
    assertThat(texts(steps, "name")).containsExactly("prepare", "charge", "cool-off");
    assertThat(steps.get(0).get("result").asText()).isEqualTo("prepared p");
    assertThat(steps.get(0).get("done").asBoolean()).isTrue();
    JsonNode charge = steps.get(1);
    String child = charge.get("childId").asText();
    assertThat(charge.get("childState").asText()).isEqualTo("completed");
    assertThat(charge.get("result").get("text").asText()).isEqualTo("child of p");
    assertThat(steps.get(2).get("result").has("sleepUntil")).isTrue();
    assertThat(texts(detail.get("children"), "id")).containsExactly(child);
    assertThat(detail.get("children").get(0).get("task").asText()).isEqualTo("child");
    assertThat(detail.get("parent").isNull()).isTrue();

    var human = cli.run("executions", "show", parent);
    assertThat(human.out())
        .contains("Execution " + parent, "waiting", "Steps", "prepare", "prepared p", "cool-off")
        .contains(child + " (completed)")
        .containsPattern(
            "Children\\n\\s+ID\\s+TASK\\s+STATE.*\\n\\s+" + child + "\\s+child\\s+completed");

    var ofChild = cli.run("executions", "show", child, "--json").json();
    assertThat(ofChild.get("execution").get("origin").asText()).isEqualTo("child");
    assertThat(ofChild.get("execution").get("parentId").asText()).isEqualTo(parent);
    assertThat(ofChild.get("parent").get("id").asText()).isEqualTo(parent);
    assertThat(ofChild.get("parent").get("state").asText()).isEqualTo("waiting");
    assertThat(ofChild.get("result").get("text").asText()).isEqualTo("child of p");
    assertThat(cli.run("executions", "show", child).out())
        .contains("Parent\n  " + parent + "  parent  waiting");
  }

  @Test
  void showsAFailedExecutionWithItsErrorAndStackTrace() {
    var result = cli.run("executions", "show", explodes.getFirst());
    assertThat(result.exitCode()).isZero();
    assertThat(result.out())
        .contains("failed", "Last error", "boom for x", "java.lang.IllegalStateException")
        .contains("(steps are removed when an execution finishes)");
    JsonNode json = cli.run("executions", "show", explodes.getFirst(), "--json").json();
    assertThat(json.get("execution").get("lastError").asText()).isEqualTo("boom for x");
    assertThat(json.get("lastErrorStack").asText())
        .contains("IllegalStateException", "ReadCommandsIT");
    assertThat(json.get("execution").get("attempts").asInt()).isEqualTo(1);
    assertThat(json.get("execution").get("finishedAt").asText()).isNotEmpty();
  }

  @Test
  void showsACompletedExecutionWithPayloadAndResult() {
    JsonNode json = cli.run("executions", "show", greets.getFirst(), "--json").json();
    assertThat(json.get("payload").toString()).isEqualTo("{\"name\":\"a\"}");
    assertThat(json.get("result").toString()).isEqualTo("{\"text\":\"Hello, a\"}");
    assertThat(json.get("execution").get("state").asText()).isEqualTo("completed");
    assertThat(json.get("steps")).isEmpty();
    assertThat(json.get("children")).isEmpty();
    var human = cli.run("executions", "show", greets.getFirst());
    assertThat(human.out())
        .contains("Payload", "\"name\" : \"a\"", "Result", "\"text\" : \"Hello, a\"");
  }

  @Test
  void anUnknownOrMalformedIdIsARequestError() {
    var unknown = cli.run("executions", "show", "0190f3a2-5c1e-7d4b-9a61-3f0e2b7c8d15");
    assertThat(unknown.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(unknown.err())
        .isEqualTo("pgconductor: no execution 0190f3a2-5c1e-7d4b-9a61-3f0e2b7c8d15\n");
    var malformed = cli.run("executions", "show", "nope");
    assertThat(malformed.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(malformed.err()).contains("'nope' is not an execution id").doesNotContain("at dev.");
    assertThat(cli.run("executions", "list", "--after", "nope").exitCode())
        .isEqualTo(ExitCodes.REQUEST);
  }

  @Test
  void malformedOptionsAreUsageErrors() {
    assertThat(cli.run("executions", "list", "--limit", "0").exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(cli.run("executions", "list", "--since", "yesterday").exitCode())
        .isEqualTo(ExitCodes.USAGE);
    var state = cli.run("executions", "list", "--state", "bogus");
    assertThat(state.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(state.err()).contains("'bogus' is not a state: use pending, running");
    assertThat(cli.run("executions").exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(cli.run("frobnicate").exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(cli.run().exitCode()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void theUrlOptionWinsOverDatabaseUrlAndBothFormsWork() {
    // DATABASE_URL points nowhere; --url (in the postgres:// form) is used
    var runner = new CliRunner(Map.of("DATABASE_URL", Fixtures.UNREACHABLE));
    var result = runner.run("executions", "list", "--json", "--url", Fixtures.libpqUrl(db.url()));
    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(ids(result.json())).hasSize(10);
    // DATABASE_URL alone, in the postgres:// form
    var fromEnv = CliRunner.withDatabase(Fixtures.libpqUrl(db.url())).run("status", "--json");
    assertThat(fromEnv.exitCode()).as(fromEnv.toString()).isZero();
    // DATABASE_URL alone points nowhere
    assertThat(runner.run("status").exitCode()).isEqualTo(ExitCodes.DATABASE);
    // neither
    var neither = CliRunner.withoutEnvironment().run("status");
    assertThat(neither.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(neither.err()).contains("no database given: pass --url or set the DATABASE_URL");
  }

  private static JsonNode queue(JsonNode status, String name) {
    return StreamSupport.stream(status.get("queues").spliterator(), false)
        .filter(q -> q.get("queue").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no queue " + name + " in " + status));
  }

  private static List<String> ids(JsonNode page) {
    return texts(page.get("executions"), "id");
  }

  private static List<String> texts(JsonNode array, String field) {
    return StreamSupport.stream(array.spliterator(), false)
        .map(n -> n.get(field).asText())
        .toList();
  }

  private static List<String> texts(JsonNode array) {
    return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
