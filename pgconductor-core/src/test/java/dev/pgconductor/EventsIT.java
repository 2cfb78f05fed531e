package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestClock;
import dev.pgconductor.testing.TestPostgres;
import jakarta.validation.constraints.NotBlank;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Custom events: every subscribed task gets exactly one execution per event, with the whole payload
 * or the fields it selected, when its condition holds; emits are validated, may join the caller's
 * transaction, and are memoized in handlers.
 */
class EventsIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Profile(String email, int age) {}

  record SignedUp(
      @NotBlank String userId, String plan, Profile user, List<String> tags, boolean trial) {}

  record PlanOnly(String plan, Profile user) {}

  record Nothing(String x) {}

  record Mail(String mail) {}

  record Mistyped(String plan, Mail user) {}

  static final EventDefinition<SignedUp> SIGNED_UP =
      EventDefinition.of("user.signed-up", SignedUp.class);
  static final EventDefinition<Nothing> UNHEARD =
      EventDefinition.of("nobody.listens", Nothing.class);

  static final TaskDefinition<SignedUp, String> WELCOME =
      TaskDefinition.of("welcome", SignedUp.class, String.class);
  static final TaskDefinition<PlanOnly, String> BILLING =
      TaskDefinition.of("billing", PlanOnly.class, String.class);
  static final TaskDefinition<SignedUp, String> ANALYTICS =
      TaskDefinition.of("analytics", SignedUp.class, String.class);
  static final TaskDefinition<SignedUp, String> ANNOUNCER =
      TaskDefinition.of("announcer", SignedUp.class, String.class);

  private static final TaskSchemas TASKS = TaskSchemas.of(WELCOME, BILLING, ANALYTICS, ANNOUNCER);
  private static final EventSchemas EVENTS = EventSchemas.of(SIGNED_UP, UNHEARD);

  @BeforeEach
  void emptyTables() {
    db.installSchema();
    db.execute("truncate pgconductor.executions, pgconductor.finished_executions");
    db.execute("truncate pgconductor.events, pgconductor.subscriptions, pgconductor.steps");
  }

  @Test
  void eachSubscribedTaskGetsOneExecutionPerEventWithItsFieldsWhenItsConditionHolds() {
    List<String> heard = new CopyOnWriteArrayList<>();
    try (var conductor = db.conductor(TASKS).events(EVENTS).build()) {
      var welcome =
          conductor.createTask(
              TaskOptions.of(WELCOME),
              Trigger.event(SIGNED_UP),
              (event, ctx) -> {
                var e = (TaskEvent.Emitted<SignedUp>) event;
                heard.add("welcome " + e.name() + " " + e.payload().userId());
                return "ok";
              });
      var billing =
          conductor.createTask(
              TaskOptions.of(BILLING),
              Trigger.event(SIGNED_UP).fields("plan", "user.email"),
              (event, ctx) -> {
                heard.add("billing " + event.payload());
                return "ok";
              });
      var analytics =
          conductor.createTask(
              TaskOptions.of(ANALYTICS),
              Trigger.event(SIGNED_UP)
                  .when("payload->>'plan' = 'pro' and (payload->'trial')::boolean"),
              (event, ctx) -> {
                heard.add("analytics " + event.payload().userId());
                return "ok";
              });
      conductor.ensureInstalled();
      try (var orchestrator = orchestrator(conductor, welcome, billing, analytics)) {
        orchestrator.start(); // registers the subscriptions
        conductor.emit(SIGNED_UP, signUp("u1", "free", true));
        conductor.emit(SIGNED_UP, signUp("u2", "pro", true));
        conductor.emit(SIGNED_UP, signUp("u3", "pro", false));
        String unheard = conductor.emit(UNHEARD, new Nothing("x"));
        List<String> batch =
            conductor.emitBatch(
                SIGNED_UP, List.of(signUp("u4", "free", false), signUp("u5", "pro", true)));
        assertThat(batch).hasSize(2).doesNotHaveDuplicates();
        await().atMost(Duration.ofSeconds(15)).until(() -> heard.size() == 12);
        assertThat(unheard).isNotBlank();
      }
    }
    assertThat(heard)
        .containsExactlyInAnyOrder(
            "welcome user.signed-up u1",
            "welcome user.signed-up u2",
            "welcome user.signed-up u3",
            "billing PlanOnly[plan=free, user=Profile[email=u1@example.com, age=0]]",
            "billing PlanOnly[plan=pro, user=Profile[email=u2@example.com, age=0]]",
            "billing PlanOnly[plan=pro, user=Profile[email=u3@example.com, age=0]]",
            "analytics u2",
            "welcome user.signed-up u4",
            "welcome user.signed-up u5",
            "billing PlanOnly[plan=free, user=Profile[email=u4@example.com, age=0]]",
            "billing PlanOnly[plan=pro, user=Profile[email=u5@example.com, age=0]]",
            "analytics u5");
    assertThat(
            db.dataSourceQueryString(
                "select payload::text from pgconductor.finished_executions"
                    + " where task_key = 'billing' and payload->'user'->>'email' = 'u1@example.com'"))
        .as("only the selected fields, nested, with their JSON types")
        .isEqualTo("{\"plan\": \"free\", \"user\": {\"email\": \"u1@example.com\"}}");
    assertThat(
            db.dataSourceQueryString(
                "select payload::text from pgconductor.finished_executions"
                    + " where task_key = 'welcome' and payload->>'userId' = 'u1'"))
        .contains("\"age\": 41", "\"trial\": true", "\"tags\": [\"a\", \"b\"]");
    assertThat(db.queryLong("select count(*) from pgconductor.events")).isEqualTo(6);
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.finished_executions where origin = 'emitted'"))
        .isEqualTo(12);
  }

  @Test
  void anEmitInTheCallersTransactionCommitsAndRollsBackWithIt() throws Exception {
    try (var conductor = db.conductor(TASKS).events(EVENTS).build();
        var appPool = TestPostgres.pool(db.url(), 1)) {
      var welcome =
          conductor.createTask(TaskOptions.of(WELCOME), Trigger.event(SIGNED_UP), (e, ctx) -> "ok");
      conductor.ensureInstalled();
      try (var orchestrator = orchestrator(conductor, welcome)) {
        orchestrator.start();
        try (Connection c = appPool.getConnection()) {
          c.setAutoCommit(false);
          conductor.emit(c, SIGNED_UP, signUp("rolled-back", "free", false));
          c.rollback();
          conductor.emit(c, SIGNED_UP, signUp("committed", "free", false));
          c.commit();
        }
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    db.queryLong(
                            "select count(*) from pgconductor.finished_executions"
                                + " where task_key = 'welcome'")
                        == 1);
      }
      assertThat(db.queryLong("select count(*) from pgconductor.events")).isOne();
      assertThat(
              db.dataSourceQueryString(
                  "select payload->>'userId' from pgconductor.finished_executions"))
          .isEqualTo("committed");
    }
  }

  @Test
  void anEmitFromAHandlerIsMemoizedLikeAStep() {
    TestClock clock = new TestClock();
    AtomicInteger runs = new AtomicInteger();
    List<String> ids = new CopyOnWriteArrayList<>();
    try (var conductor = db.conductor(TASKS).events(EVENTS).clock(clock).build()) {
      var announcer =
          conductor.createTask(
              TaskOptions.of(ANNOUNCER),
              Trigger.invocable(),
              (event, ctx) -> {
                ids.add(ctx.emit("announce", SIGNED_UP, event.payload()));
                if (runs.incrementAndGet() == 1) {
                  throw new IllegalStateException("fails after emitting");
                }
                return "done";
              });
      var welcome =
          conductor.createTask(TaskOptions.of(WELCOME), Trigger.event(SIGNED_UP), (e, ctx) -> "ok");
      conductor.ensureInstalled();
      try (var orchestrator = orchestrator(conductor, announcer, welcome)) {
        orchestrator.start();
        conductor.invoke(ANNOUNCER, signUp("u9", "free", false));
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    db.queryLong(
                            "select count(*) from pgconductor.executions where task_key = 'announcer' and locked_by is null")
                        == 1);
        clock.advance(Duration.ofSeconds(20)); // past the retry's backoff
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 2);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    db.queryLong(
                            "select count(*) from pgconductor.finished_executions"
                                + " where task_key in ('announcer', 'welcome')")
                        == 2);
      }
    }
    assertThat(ids).hasSize(2).containsOnly(ids.getFirst());
    assertThat(db.queryLong("select count(*) from pgconductor.events")).isOne();
  }

  @Test
  void badEventsFieldsConditionsAndPayloadsAreClearErrorsAndWriteNothing() {
    try (var conductor = db.conductor(TASKS).events(EventSchemas.of(SIGNED_UP)).build()) {
      assertThatThrownBy(
              () ->
                  conductor.createTask(
                      TaskOptions.of(WELCOME), Trigger.event(UNHEARD), (e, ctx) -> "ok"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("task 'welcome'")
          .hasMessageContaining("Unknown event 'nobody.listens'");
      assertThatThrownBy(
              () ->
                  conductor.createTask(
                      TaskOptions.of(BILLING),
                      Trigger.event(SIGNED_UP).fields("plan", "user.mail"),
                      (e, ctx) -> "ok"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'user.mail' is not a field of event 'user.signed-up'");
      // a projection type whose property the event does not have
      assertThatThrownBy(
              () ->
                  conductor.createTask(
                      TaskOptions.of(BILLING),
                      Trigger.event(SIGNED_UP).fields(Mistyped.class),
                      (e, ctx) -> "ok"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'user.mail' is not a field of event 'user.signed-up'");
      for (String injected :
          List.of(
              "true; drop table pgconductor.events",
              "true) from x; drop table pgconductor.events; select (true",
              "true -- comment",
              "$x$ ; $x$ = ''",
              "E'\\'' ; drop table pgconductor.events --'")) {
        assertThatThrownBy(
                () ->
                    conductor.createTask(
                        TaskOptions.of(ANALYTICS),
                        Trigger.event(SIGNED_UP).when(injected),
                        (e, ctx) -> "ok"))
            .as(injected)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("one boolean SQL expression over payload");
      }
      conductor.ensureInstalled();
      assertThatThrownBy(() -> conductor.emit(UNHEARD, new Nothing("x")))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("Unknown event 'nobody.listens'");
      assertThatThrownBy(() -> conductor.emit(SIGNED_UP, signUp(" ", "free", false)))
          .isInstanceOf(InvalidPayloadException.class)
          .hasMessageContaining("Invalid payload for event 'user.signed-up'")
          .hasMessageContaining("userId");
      assertThat(db.queryLong("select count(*) from pgconductor.events")).isZero();
    }
    // a condition that is one expression but not a usable one: refused when registered
    try (var conductor = db.conductor(TASKS).events(EventSchemas.of(SIGNED_UP)).build()) {
      var analytics =
          conductor.createTask(
              TaskOptions.of(ANALYTICS),
              Trigger.event(SIGNED_UP).when("payload->>'plan' = "),
              (e, ctx) -> "ok");
      var orchestrator = orchestrator(conductor, analytics);
      assertThatThrownBy(orchestrator::start)
          .isInstanceOf(PgConductorException.class)
          .hasMessageContaining("payload->>'plan' = ")
          .hasMessageContaining("is not a boolean expression over payload");
      assertThat(db.queryLong("select count(*) from pgconductor.subscriptions")).isZero();
    }
  }

  @Test
  void aProjectionTypeSelectsTheFieldsItHasNestedAsInThePayload() {
    List<PlanOnly> heard = new CopyOnWriteArrayList<>();
    try (var conductor = db.conductor(TASKS).events(EVENTS).build()) {
      var billing =
          conductor.createTask(
              TaskOptions.of(BILLING),
              Trigger.event(SIGNED_UP).fields(PlanOnly.class).when("payload->>'plan' <> 'free'"),
              (event, ctx) -> {
                heard.add(event.payload());
                return "ok";
              });
      assertThat(((Trigger.Event) billing.triggers().getFirst()).fields())
          .containsExactly("plan", "user.email", "user.age");
      conductor.ensureInstalled();
      try (var orchestrator = orchestrator(conductor, billing)) {
        orchestrator.start();
        conductor.emit(SIGNED_UP, signUp("u1", "free", false));
        conductor.emit(SIGNED_UP, signUp("u2", "pro", true));
        await().atMost(Duration.ofSeconds(15)).until(() -> heard.size() == 1);
        assertThat(orchestrator.drain(Duration.ofSeconds(10))).isTrue();
      }
    }
    assertThat(heard).containsExactly(new PlanOnly("pro", new Profile("u2@example.com", 41)));
    assertThat(
            db.dataSourceQueryString(
                "select payload::text from pgconductor.finished_executions"
                    + " where task_key = 'billing'"))
        .isEqualTo("{\"plan\": \"pro\", \"user\": {\"age\": 41, \"email\": \"u2@example.com\"}}");
  }

  private static SignedUp signUp(String user, String plan, boolean trial) {
    return new SignedUp(
        user, plan, new Profile(user + "@example.com", 41), List.of("a", "b"), trial);
  }

  private static Orchestrator orchestrator(Conductor<Void> conductor, Task<?, ?>... tasks) {
    return Orchestrator.builder(conductor)
        .tasks(tasks)
        .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build())
        .handleSignals(false)
        .build();
  }
}
