package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Cron triggers and dynamic schedules: the next occurrence always exists as an execution, each
 * occurrence runs exactly once however many orchestrators there are, a missed occurrence runs once,
 * and schedules follow the code. Time is a controllable clock, so nothing waits for the wall clock.
 */
class CronIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Digest(String user) {}

  static final TaskDefinition<Digest, String> DIGEST =
      TaskDefinition.of("digest", Digest.class, String.class);

  private static final Instant START = Instant.parse("2026-12-07T08:59:30Z");

  @BeforeEach
  void emptyTables() {
    db.installSchema();
    db.execute("truncate pgconductor.executions, pgconductor.finished_executions");
    db.execute("truncate pgconductor.schedules, pgconductor.steps");
  }

  @Test
  void staticSchedulesRunAtTheirOccurrencesAndTheHandlerTellsThemApart() {
    TestClock clock = new TestClock(START);
    List<String> heard = new CopyOnWriteArrayList<>();
    try (var conductor = db.conductor(TaskSchemas.of(DIGEST)).clock(clock).build()) {
      var task =
          conductor.createTask(
              TaskOptions.of(DIGEST),
              List.of(
                  Trigger.invocable(),
                  Trigger.cron("0 9 * * *", "morning"),
                  Trigger.cron("0 17 * * *", "evening")),
              (event, ctx) ->
                  switch (event) {
                    case TaskEvent.Invoked<Digest> e -> "invoked";
                    case TaskEvent.Emitted<Digest> e -> "emitted";
                    case TaskEvent.RowChanged<Digest> e -> "row changed";
                    case TaskEvent.Scheduled<Digest> s -> {
                      heard.add(s.name() + "@" + s.scheduledFor() + " payload " + s.payload());
                      yield s.name();
                    }
                  });
      try (var orchestrator = orchestrator(conductor, task)) {
        orchestrator.start();
        assertThat(pending())
            .containsExactlyInAnyOrder(
                "evening@2026-12-07T17:00:00Z", "morning@2026-12-07T09:00:00Z");

        clock.advance(Duration.ofSeconds(30)); // 09:00
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() == 1);
        assertThat(heard).containsExactly("morning@2026-12-07T09:00:00Z payload null");
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    pending()
                        .equals(
                            List.of(
                                "evening@2026-12-07T17:00:00Z", "morning@2026-12-08T09:00:00Z")));
      }
    }
  }

  @Test
  void severalOrchestratorsCreateExactlyOneExecutionPerOccurrenceOfASecondsSchedule()
      throws Exception {
    TestClock clock = new TestClock(START.plusMillis(500));
    Set<Instant> occurrences = ConcurrentHashMap.newKeySet();
    List<Instant> runs = new CopyOnWriteArrayList<>();
    try (var conductor = db.conductor(TaskSchemas.of(DIGEST)).clock(clock).build()) {
      var task =
          conductor.createTask(
              TaskOptions.of(DIGEST),
              Trigger.cron("* * * * * *", "every-second"),
              (event, ctx) -> {
                Instant at = ((TaskEvent.Scheduled<Digest>) event).scheduledFor();
                runs.add(at);
                occurrences.add(at);
                return "ok";
              });
      List<Orchestrator> orchestrators = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          orchestrators.add(orchestrator(conductor, task));
        }
        // all three start at once: each registers the schedule and fills what is missing
        CompletableFuture.allOf(
                orchestrators.stream()
                    .map(o -> CompletableFuture.runAsync(o::start))
                    .toArray(CompletableFuture[]::new))
            .get();
        assertThat(pending()).containsExactly("every-second@2026-12-07T08:59:31Z");

        // 40 occurrences in the default run; -Dpgconductor.cron.seconds=3600 steps through an hour
        int seconds = Integer.getInteger("pgconductor.cron.seconds", 40);
        for (int i = 1; i <= seconds; i++) {
          clock.advance(Duration.ofSeconds(1));
          int expected = i;
          await().atMost(Duration.ofSeconds(10)).until(() -> runs.size() >= expected);
          await()
              .atMost(Duration.ofSeconds(10))
              .until(() -> pending().size() == 1 && finishedOccurrences() == expected);
        }
        assertThat(runs).hasSize(seconds);
        assertThat(occurrences).as("distinct occurrences").hasSize(seconds);
        assertThat(finishedOccurrences()).isEqualTo(seconds);
      } finally {
        orchestrators.forEach(Orchestrator::close);
      }
    }
  }

  @Test
  void occurrencesStartWhenTheyAreDueAlthoughThePollIntervalIsLong() {
    List<Instant> started = new CopyOnWriteArrayList<>();
    try (var conductor = db.conductor(TaskSchemas.of(DIGEST)).build()) { // the real clock
      var task =
          conductor.createTask(
              TaskOptions.of(DIGEST),
              Trigger.cron("* * * * * *", "every-second"),
              (event, ctx) -> {
                started.add(Instant.now());
                return "ok";
              });
      try (var orchestrator =
          Orchestrator.builder(conductor)
              .tasks(task)
              // nothing notifies when an occurrence becomes due: a poll of a minute would miss them
              .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMinutes(1)).build())
              .handleSignals(false)
              .build()) {
        orchestrator.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> started.size() >= 3);
      }
    }
  }

  @Test
  void aMissedOccurrenceRunsOnceWhenTheSystemIsBackAndTheNextOneIsInTheFuture() {
    TestClock clock = new TestClock(START);
    List<Instant> runs = new CopyOnWriteArrayList<>();
    try (var conductor = db.conductor(TaskSchemas.of(DIGEST)).clock(clock).build()) {
      var task =
          conductor.createTask(
              TaskOptions.of(DIGEST),
              Trigger.cron("* * * * *", "every-minute"),
              (event, ctx) -> {
                runs.add(((TaskEvent.Scheduled<Digest>) event).scheduledFor());
                return "ok";
              });
      try (var orchestrator = orchestrator(conductor, task)) {
        orchestrator.start();
        assertThat(pending()).containsExactly("every-minute@2026-12-07T09:00:00Z");
      }
      clock.advance(Duration.ofMinutes(10)); // ten slots missed
      try (var orchestrator = orchestrator(conductor, task)) {
        orchestrator.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> runs.size() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> finishedOccurrences() == 1);
        assertThat(pending()).containsExactly("every-minute@2026-12-07T09:10:00Z");
      }
      assertThat(runs).containsExactly(Instant.parse("2026-12-07T09:00:00Z"));
    }
  }

  @Test
  void aScheduleRemovedFromTheCodeDisappearsAtTheNextStart() {
    try (var before = db.conductor(TaskSchemas.of(DIGEST)).build()) {
      var task =
          before.createTask(
              TaskOptions.of(DIGEST),
              List.of(Trigger.cron("0 9 * * *", "morning"), Trigger.cron("0 17 * * *", "evening")),
              (event, ctx) -> "ok");
      startAndStop(before, task);
      assertThat(pending()).hasSize(2);
    }
    try (var after = db.conductor(TaskSchemas.of(DIGEST)).build()) {
      var task =
          after.createTask(
              TaskOptions.of(DIGEST), Trigger.cron("0 9 * * *", "morning"), (event, ctx) -> "ok");
      startAndStop(after, task);
      assertThat(pending()).singleElement().asString().startsWith("morning@");
      assertThat(db.queryLong("select count(*) from pgconductor.schedules")).isOne();
    }
  }

  @Test
  void anExpressionIsEvaluatedInItsTimeZone() {
    TestClock clock = new TestClock(Instant.parse("2026-07-01T00:00:00Z"));
    try (var conductor = db.conductor(TaskSchemas.of(DIGEST)).clock(clock).build()) {
      var task =
          conductor.createTask(
              TaskOptions.of(DIGEST),
              Trigger.cron("0 9 * * *", "paris", ZoneId.of("Europe/Paris")),
              (event, ctx) -> "ok");
      startAndStop(conductor, task);
      assertThat(pending()).containsExactly("paris@2026-07-01T07:00:00Z"); // 09:00 CEST
    }
  }

  @Test
  void aBadExpressionOrATwiceUsedNameIsAClearErrorAtRegistration() {
    try (var conductor = db.conductor(TaskSchemas.of(DIGEST)).build()) {
      assertThatThrownBy(
              () ->
                  conductor.createTask(
                      TaskOptions.of(DIGEST), Trigger.cron("61 * * * *", "odd"), (e, ctx) -> ""))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("task 'digest'")
          .hasMessageContaining("'61 * * * *'")
          .hasMessageContaining("schedule 'odd'");
      assertThatThrownBy(
              () ->
                  conductor.createTask(
                      TaskOptions.of(DIGEST), Trigger.cron("0 9 * *", "short"), (e, ctx) -> ""))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("has 4 fields");
      assertThatThrownBy(
              () ->
                  conductor.createTask(
                      TaskOptions.of(DIGEST),
                      List.of(
                          Trigger.cron("0 9 * * *", "daily"), Trigger.cron("0 10 * * *", "daily")),
                      (e, ctx) -> ""))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("task 'digest' has two cron schedules named 'daily'");
    }
  }

  @Test
  void dynamicSchedulesAreReplacedByNameSurviveRestartsAndCanBeRemoved() {
    TestClock clock = new TestClock(START);
    List<String> heard = new CopyOnWriteArrayList<>();
    try (var conductor = db.conductor(TaskSchemas.of(DIGEST)).clock(clock).build()) {
      var task =
          conductor.createTask(
              TaskOptions.of(DIGEST),
              List.of(Trigger.invocable(), Trigger.cron("0 9 * * *", "morning")),
              (event, ctx) ->
                  switch (event) {
                    case TaskEvent.Emitted<Digest> e -> "emitted";
                    case TaskEvent.RowChanged<Digest> e -> "row changed";
                    case TaskEvent.Invoked<Digest> e -> {
                      // a handler schedules too
                      ctx.schedule(DIGEST, "from-handler", "0 12 * * *", new Digest("h"));
                      yield "scheduled";
                    }
                    case TaskEvent.Scheduled<Digest> s -> {
                      heard.add(s.name() + " " + (s.payload() == null ? "-" : s.payload().user()));
                      yield "ran";
                    }
                  });
      conductor.ensureInstalled();
      conductor.schedule(DIGEST, "user-1", "30 8 * * *", new Digest("u1"));
      conductor.schedule(DIGEST, "user-1", "0 10 * * *", new Digest("u1 again")); // replaces
      try (var orchestrator = orchestrator(conductor, task)) {
        orchestrator.start(); // the static cleanup leaves dynamic schedules alone
        assertThat(pending())
            .containsExactlyInAnyOrder(
                "morning@2026-12-07T09:00:00Z", "user-1@2026-12-07T10:00:00Z");
        assertThatThrownBy(
                () -> conductor.schedule(DIGEST, "morning", "0 8 * * *", new Digest("x")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("static schedule named \"morning\"");
        conductor.invoke(DIGEST, new Digest("invoker"));
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> pending().contains("from-handler@2026-12-07T12:00:00Z"));

        clock.advance(Duration.ofHours(1)); // 09:59:30
        clock.advance(Duration.ofSeconds(30)); // 10:00
        await().atMost(Duration.ofSeconds(10)).until(() -> heard.contains("user-1 u1 again"));
        assertThat(conductor.unschedule(DIGEST, "from-handler")).isTrue();
        assertThat(conductor.unschedule(DIGEST, "from-handler")).isFalse();
        assertThatThrownBy(() -> conductor.unschedule(DIGEST, "morning"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("is static");
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    pending()
                        .equals(
                            List.of(
                                "morning@2026-12-08T09:00:00Z", "user-1@2026-12-08T10:00:00Z")));
      }
      // both came due with one advance of the clock, so in either order
      assertThat(heard).containsExactlyInAnyOrder("morning -", "user-1 u1 again");
    }
  }

  private static Orchestrator orchestrator(Conductor<Void> conductor, Task<?, ?> task) {
    return Orchestrator.builder(conductor)
        .tasks(task)
        .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build())
        .handleSignals(false)
        .build();
  }

  /** Starts an orchestrator, which registers the schedules, and stops it again. */
  private static void startAndStop(Conductor<Void> conductor, Task<?, ?> task) {
    try (var orchestrator = orchestrator(conductor, task)) {
      orchestrator.start();
    }
  }

  /** The pending occurrences, as "schedule@due time", in schedule order. */
  private static List<String> pending() {
    String rows =
        db.dataSourceQueryString(
            "select coalesce(string_agg(origin_name || '@' || to_char(run_at at time zone 'UTC',"
                + " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ',' order by origin_name), '')"
                + " from pgconductor.executions where origin = 'scheduled' and locked_by is null");
    return rows.isEmpty() ? List.of() : List.of(rows.split(","));
  }

  private static long finishedOccurrences() {
    return db.queryLong(
        "select count(*) from pgconductor.finished_executions where origin = 'scheduled'");
  }
}
