package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestClock;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Time windows of tasks (WIN-1), under a controllable clock that the SQL side honours too. */
class TimeWindowIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final TaskDefinition<Integer, String> DIGEST =
      TaskDefinition.of("digest", Integer.class, String.class);
  static final TaskDefinition<Integer, String> URGENT =
      TaskDefinition.of("urgent", Integer.class, String.class);
  static final TaskDefinition<Integer, String> NIGHTLY =
      TaskDefinition.of("nightly", Integer.class, String.class);
  static final TaskSchemas SCHEMAS = TaskSchemas.of(DIGEST, URGENT, NIGHTLY);

  static final WorkerConfig FAST_POLL =
      WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build();

  /** 08:00 UTC on a Monday: before office hours. */
  static final Instant MORNING = Instant.parse("2026-12-07T08:00:00Z");

  @BeforeEach
  void empty() {
    db.installSchema();
    db.emptyExecutionTables();
  }

  @Test
  void executionsWaitForTheWindowWithoutHoldingUpOtherTasksAndRunWhenItOpens() {
    TestClock clock = new TestClock(MORNING);
    var conductor = db.closeAfter(db.conductor(SCHEMAS).clock(clock).build());
    AtomicInteger digests = new AtomicInteger();
    var digest =
        conductor.createTask(
            TaskOptions.of(DIGEST).window("09:00", "17:00"),
            Trigger.invocable(),
            (event, ctx) -> {
              digests.incrementAndGet();
              return "digest " + event.payload();
            });
    var urgent =
        conductor.createTask(
            TaskOptions.of(URGENT),
            Trigger.invocable(),
            (event, ctx) -> "urgent " + event.payload());
    conductor.ensureInstalled();
    List<String> waiting = new ArrayList<>();
    List<String> others = new ArrayList<>();
    // the windowed ones first, with a higher priority: without the window they would go first
    for (int i = 0; i < 50; i++) {
      waiting.add(
          conductor.invoke(DIGEST, i, InvokeOptions.builder().priority(10).build()).orElseThrow());
    }
    try (var orchestrator =
        db.closeAfter(
            Orchestrator.builder(conductor)
                .tasks(digest, urgent)
                .defaultWorker(FAST_POLL)
                .handleSignals(false)
                .build())) {
      orchestrator.start();
      for (int i = 0; i < 50; i++) {
        others.add(conductor.invoke(URGENT, i).orElseThrow());
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> others.stream().allMatch(id -> is(conductor, id, ExecutionState.COMPLETED)));
      assertThat(digests).hasValue(0);
      assertThat(waiting).allSatisfy(id -> assertThat(is(conductor, id, ExecutionState.PENDING)));

      clock.set(Instant.parse("2026-12-07T09:00:00Z"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> waiting.stream().allMatch(id -> is(conductor, id, ExecutionState.COMPLETED)));
      assertThat(digests).hasValue(50);
      assertThat(conductor.getExecution(waiting.getFirst()).orElseThrow().attempts()).isOne();
    }
  }

  @Test
  void aRunningExecutionIsReleasedAtItsNextStepWhenTheWindowClosesAndResumesWhenItOpens()
      throws Exception {
    TestClock clock = new TestClock(Instant.parse("2026-12-07T16:59:00Z"));
    var conductor = db.closeAfter(db.conductor(SCHEMAS).clock(clock).build());
    AtomicInteger firstSteps = new AtomicInteger();
    AtomicInteger secondSteps = new AtomicInteger();
    CountDownLatch inFirstStep = new CountDownLatch(1);
    CountDownLatch mayGoOn = new CountDownLatch(1);
    var digest =
        conductor.createTask(
            TaskOptions.of(DIGEST).maxAttempts(1).window("09:00", "17:00"),
            Trigger.invocable(),
            (event, ctx) -> {
              int first =
                  ctx.step(
                      "collect",
                      Integer.class,
                      () -> {
                        firstSteps.incrementAndGet();
                        inFirstStep.countDown();
                        mayGoOn.await();
                        return event.payload() * 2;
                      });
              int second =
                  ctx.step(
                      "send",
                      Integer.class,
                      () -> {
                        secondSteps.incrementAndGet();
                        return first + 1;
                      });
              return "sent " + second;
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(DIGEST, 20).orElseThrow();
    try (var orchestrator =
        db.closeAfter(
            Orchestrator.builder(conductor)
                .tasks(digest)
                .defaultWorker(FAST_POLL)
                .handleSignals(false)
                .build())) {
      orchestrator.start();
      assertThat(inFirstStep.await(10, TimeUnit.SECONDS)).isTrue();
      clock.set(Instant.parse("2026-12-07T17:00:00Z")); // the window closes mid-step
      mayGoOn.countDown();

      Instant tomorrowNine = Instant.parse("2026-12-08T09:00:00Z");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                var e = conductor.getExecution(id).orElseThrow();
                return e.state() == ExecutionState.WAITING && tomorrowNine.equals(e.runAt());
              });
      assertThat(firstSteps).as("the step in progress was recorded").hasValue(1);
      assertThat(secondSteps).as("the next step waits for the window").hasValue(0);

      clock.set(tomorrowNine);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> is(conductor, id, ExecutionState.COMPLETED));
      var done = conductor.getExecution(DIGEST, id).orElseThrow();
      assertThat(done.result()).isEqualTo("sent 41");
      assertThat(done.attempts()).as("waiting for the window used no attempt").isOne();
      assertThat(firstSteps).hasValue(1);
      assertThat(secondSteps).hasValue(1);
    }
  }

  @Test
  void aWindowAcrossMidnightInATimeZoneRunsAtNightThere() {
    // 23:30 in Tokyo is 14:30 UTC
    TestClock clock = new TestClock(Instant.parse("2026-12-07T14:30:00Z"));
    var conductor = db.closeAfter(db.conductor(SCHEMAS).clock(clock).build());
    var nightly =
        conductor.createTask(
            TaskOptions.of(NIGHTLY)
                .window(LocalTime.of(22, 0), LocalTime.of(6, 0), ZoneId.of("Asia/Tokyo")),
            Trigger.invocable(),
            (event, ctx) -> "night " + event.payload());
    conductor.ensureInstalled();
    String id = conductor.invoke(NIGHTLY, 1).orElseThrow();
    try (var orchestrator =
        db.closeAfter(
            Orchestrator.builder(conductor)
                .tasks(nightly)
                .defaultWorker(FAST_POLL)
                .handleSignals(false)
                .build())) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> is(conductor, id, ExecutionState.COMPLETED));
      // 06:00 in Tokyo: closed until 22:00 there
      clock.set(Instant.parse("2026-12-07T21:00:00Z"));
      String later = conductor.invoke(NIGHTLY, 2).orElseThrow();
      String other = conductor.invoke(NIGHTLY, 3).orElseThrow();
      clock.set(Instant.parse("2026-12-08T12:59:59Z")); // 21:59:59 in Tokyo
      assertThat(conductor.getExecution(later).orElseThrow().state())
          .isEqualTo(ExecutionState.PENDING);
      clock.set(Instant.parse("2026-12-08T13:00:00Z"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  is(conductor, later, ExecutionState.COMPLETED)
                      && is(conductor, other, ExecutionState.COMPLETED));
    }
  }

  @Test
  void theDatabaseAndTheWorkersAgreeOnWhenAWindowOpens() throws Exception {
    List<TimeWindow> windows =
        List.of(
            new TimeWindow(LocalTime.of(9, 0), LocalTime.of(17, 0), ZoneId.of("UTC")),
            new TimeWindow(LocalTime.of(22, 0), LocalTime.of(6, 0), ZoneId.of("Asia/Tokyo")),
            new TimeWindow(LocalTime.of(1, 30), LocalTime.of(3, 0), ZoneId.of("Europe/Paris")),
            new TimeWindow(
                LocalTime.of(23, 0), LocalTime.of(0, 30), ZoneId.of("America/New_York")));
    Instant start = Instant.parse("2026-03-28T00:00:00Z"); // the night Europe moves its clocks
    try (var c = db.dataSource().getConnection();
        var ps =
            c.prepareStatement(
                "select pgconductor.window_opens(?::time, ?::time, ?, ?::timestamptz)")) {
      for (TimeWindow w : windows) {
        for (Instant at = start;
            at.isBefore(start.plus(Duration.ofDays(3)));
            at = at.plus(Duration.ofMinutes(17))) {
          ps.setString(1, w.from().toString());
          ps.setString(2, w.to().toString());
          ps.setString(3, w.zone().getId());
          ps.setString(4, at.toString());
          try (var rs = ps.executeQuery()) {
            rs.next();
            Timestamp opens = rs.getTimestamp(1);
            assertThat(opens == null ? null : opens.toInstant())
                .as("%s at %s", w, at)
                .isEqualTo(w.nextOpening(at).orElse(null));
          }
        }
      }
    }
  }

  @Test
  void aDrainDoesNotWaitForExecutionsOutsideTheirWindow() {
    TestClock clock = new TestClock(MORNING);
    var conductor = db.closeAfter(db.conductor(SCHEMAS).clock(clock).build());
    var digest =
        conductor.createTask(
            TaskOptions.of(DIGEST).window("09:00", "17:00"),
            Trigger.invocable(),
            (event, ctx) -> "digest " + event.payload());
    conductor.ensureInstalled();
    String id = conductor.invoke(DIGEST, 1).orElseThrow();
    var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(digest)
            .defaultWorker(FAST_POLL)
            .handleSignals(false)
            .build();
    assertThat(orchestrator.drain(Duration.ofSeconds(10))).as("drained").isTrue();
    assertThat(is(conductor, id, ExecutionState.PENDING)).isTrue();
  }

  @Test
  void badWindowsAreRefusedNamingTheTask() {
    assertThatThrownBy(() -> TaskOptions.of(DIGEST).window("9am", "17:00"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("task 'digest'")
        .hasMessageContaining("'9am'");
    assertThatThrownBy(() -> TaskOptions.of(DIGEST).window("09:00", "09:00"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("different times");
  }

  private static boolean is(Conductor<?> conductor, String id, ExecutionState state) {
    return conductor.getExecution(id).map(Execution::state).orElse(null) == state;
  }
}
