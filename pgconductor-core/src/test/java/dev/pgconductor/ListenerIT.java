package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.ConductorListener.Reason;
import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a {@link ConductorListener} hears, on which builder, and that a failing one harms nothing.
 */
class ListenerIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Job(String name) {}

  static final TaskDefinition<Job, String> WORK =
      TaskDefinition.of("work", Job.class, String.class);
  static final TaskDefinition<Job, String> FLAKY =
      TaskDefinition.of("flaky", Job.class, String.class);
  static final TaskDefinition<Job, String> PARENT =
      TaskDefinition.of("parent", Job.class, String.class);
  static final TaskDefinition<Job, String> NAPPER =
      TaskDefinition.of("napper", Job.class, String.class);
  static final TaskSchemas SCHEMAS = TaskSchemas.of(WORK, FLAKY, PARENT, NAPPER);

  /** Records every event it hears, in order. */
  static final class Recorder implements ConductorListener {
    final ConcurrentLinkedQueue<Record> events = new ConcurrentLinkedQueue<>();

    @Override
    public void executionInvoked(Invoked event) {
      events.add(event);
    }

    @Override
    public void executionStarted(Started event) {
      events.add(event);
    }

    @Override
    public void stepRecorded(StepRecorded event) {
      events.add(event);
    }

    @Override
    public void executionCompleted(Completed event) {
      events.add(event);
    }

    @Override
    public void executionFailed(Failed event) {
      events.add(event);
    }

    @Override
    public void executionCancelled(Cancelled event) {
      events.add(event);
    }

    @Override
    public void executionReleased(Released event) {
      events.add(event);
    }

    @Override
    public void orchestratorStarted(OrchestratorStarted event) {
      events.add(event);
    }

    @Override
    public void orchestratorStopped(OrchestratorStopped event) {
      events.add(event);
    }

    @Override
    public void executionsRescued(Rescued event) {
      events.add(event);
    }

    <T> List<T> of(Class<T> type) {
      return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T> List<T> about(String executionId, Class<T> type) {
      return of(type).stream().filter(e -> e.toString().contains(executionId)).toList();
    }
  }

  @BeforeEach
  void clean() {
    db.installSchema();
    db.emptyExecutionTables();
  }

  @Test
  void aRunIsHeardFromInvokeThroughItsStepsToItsCompletion() {
    Recorder heard = new Recorder();
    var conductor = db.closeAfter(db.conductor(SCHEMAS).listener(heard).build());
    var work =
        conductor.createTask(
            TaskOptions.of(WORK),
            Trigger.invocable(),
            (event, ctx) -> {
              String a = ctx.step("a", String.class, () -> "A");
              ctx.step("b", () -> {});
              return a + event.payload().name();
            });
    conductor.ensureInstalled();
    String single = conductor.invoke(WORK, new Job("1")).orElseThrow();
    List<String> batch =
        conductor.invokeBatch(
            WORK, List.of(Invocation.of(new Job("2")), Invocation.of(new Job("3"))));

    String orchestratorId;
    try (var orchestrator = orchestrator(conductor, work)) {
      orchestratorId = orchestrator.info().id();
      orchestrator.drain();
    }

    assertThat(heard.of(ConductorListener.Invoked.class))
        .extracting(ConductorListener.Invoked::executionId)
        .containsExactly(single, batch.get(0), batch.get(1));
    assertThat(heard.of(ConductorListener.Invoked.class))
        .allSatisfy(
            e -> {
              assertThat(e.taskName()).isEqualTo("work");
              assertThat(e.queue()).isEqualTo("default");
            });
    for (String id : List.of(single, batch.get(0), batch.get(1))) {
      List<ConductorListener.Started> started = heard.about(id, ConductorListener.Started.class);
      assertThat(started).singleElement().satisfies(s -> assertThat(s.attempt()).isEqualTo(1));
      assertThat(started.getFirst().queueWait()).isGreaterThanOrEqualTo(Duration.ZERO);
      assertThat(heard.about(id, ConductorListener.StepRecorded.class))
          .extracting(ConductorListener.StepRecorded::stepName)
          .containsExactly("a", "b");
      assertThat(heard.about(id, ConductorListener.Completed.class))
          .singleElement()
          .satisfies(
              c -> {
                assertThat(c.attempt()).isEqualTo(1);
                assertThat(c.duration()).isPositive();
              });
    }
    // per run, on its thread: started, then its steps, then its end
    List<Record> ofSingle =
        heard.events.stream().filter(e -> e.toString().contains(single)).toList();
    assertThat(ofSingle)
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly("Invoked", "Started", "StepRecorded", "StepRecorded", "Completed");
    assertThat(heard.of(ConductorListener.OrchestratorStarted.class))
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.orchestratorId()).isEqualTo(orchestratorId);
              assertThat(s.queues()).containsExactly("default");
            });
    assertThat(heard.of(ConductorListener.OrchestratorStopped.class))
        .extracting(ConductorListener.OrchestratorStopped::orchestratorId)
        .containsExactly(orchestratorId);
  }

  @Test
  void aFailureSaysWhetherItWillBeRetriedAndCarriesWhatTheHandlerThrew() {
    TestClock clock = new TestClock();
    Recorder heard = new Recorder();
    var conductor = db.closeAfter(db.conductor(SCHEMAS).clock(clock).listener(heard).build());
    var flaky =
        conductor.createTask(
            TaskOptions.of(FLAKY).maxAttempts(2),
            Trigger.invocable(),
            (event, ctx) -> {
              throw new IllegalStateException("broken " + ctx.attempt());
            });
    conductor.ensureInstalled();
    String id = conductor.invoke(FLAKY, new Job("f")).orElseThrow();
    try (var orchestrator = orchestrator(conductor, flaky)) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> heard.of(ConductorListener.Failed.class).size() == 1);
      clock.advance(Duration.ofMinutes(1)); // past the retry backoff
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> heard.of(ConductorListener.Failed.class).size() == 2);
    }

    assertThat(heard.of(ConductorListener.Failed.class))
        .satisfiesExactly(
            first -> {
              assertThat(first.executionId()).isEqualTo(id);
              assertThat(first.attempt()).isEqualTo(1);
              assertThat(first.willRetry()).isTrue();
              assertThat(first.error())
                  .isInstanceOf(IllegalStateException.class)
                  .hasMessage("broken 1");
            },
            last -> {
              assertThat(last.attempt()).isEqualTo(2);
              assertThat(last.willRetry()).isFalse();
              assertThat(last.error()).hasMessage("broken 2");
            });
    assertThat(conductor.getExecution(id).orElseThrow().state()).isEqualTo(ExecutionState.FAILED);
  }

  @Test
  void sleepsAndChildWaitsAreReleasesAndACancelOfAPendingExecutionIsHeardWhereItWasMade() {
    TestClock clock = new TestClock();
    Recorder heard = new Recorder();
    var conductor = db.closeAfter(db.conductor(SCHEMAS).clock(clock).listener(heard).build());
    var work =
        conductor.createTask(TaskOptions.of(WORK), Trigger.invocable(), (e, ctx) -> "child done");
    var parent =
        conductor.createTask(
            TaskOptions.of(PARENT),
            Trigger.invocable(),
            (e, ctx) -> ctx.invoke("child", WORK, new Job("c")));
    var napper =
        conductor.createTask(
            TaskOptions.of(NAPPER),
            Trigger.invocable(),
            (e, ctx) -> {
              ctx.sleep("nap", Duration.ofHours(1));
              return "rested";
            });
    conductor.ensureInstalled();
    String parentId = conductor.invoke(PARENT, new Job("p")).orElseThrow();
    String sleeper = conductor.invoke(NAPPER, new Job("n")).orElseThrow();
    String doomed =
        conductor
            .invoke(
                WORK,
                new Job("x"),
                InvokeOptions.DEFAULT.withRunAt(clock.instant().plusSeconds(3600)))
            .orElseThrow();
    assertThat(conductor.cancel(doomed)).isTrue();

    try (var orchestrator = orchestrator(conductor, work, parent, napper)) {
      orchestrator.drain();
    }

    assertThat(heard.about(doomed, ConductorListener.Cancelled.class))
        .singleElement()
        .satisfies(c -> assertThat(c.taskName()).isEqualTo("work"));
    assertThat(heard.about(sleeper, ConductorListener.Released.class))
        .extracting(ConductorListener.Released::reason)
        .containsExactly(Reason.SLEEP);
    assertThat(heard.about(parentId, ConductorListener.Released.class))
        .extracting(ConductorListener.Released::reason)
        .containsExactly(Reason.CHILD);
    assertThat(heard.about(parentId, ConductorListener.Completed.class)).hasSize(1);
    assertThat(heard.about(parentId, ConductorListener.Started.class))
        .extracting(ConductorListener.Started::attempt)
        .containsExactly(1, 1);
  }

  @Test
  void anOrchestratorsListenerHearsItsOwnWorkAndTheRescueOfADeadPeersExecutions() {
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    var work = conductor.createTask(TaskOptions.of(WORK), Trigger.invocable(), (e, ctx) -> "ok");
    conductor.ensureInstalled();
    String held = conductor.invoke(WORK, new Job("held")).orElseThrow();
    db.holdByDeadOrchestrator(held, null); // a peer that died while running it

    Recorder heard = new Recorder();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(work)
            .listener(heard)
            .handleSignals(false)
            .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build())
            // a rescuer judges once it has itself been live for a heartbeat timeout
            .heartbeatInterval(Duration.ofMillis(100))
            .heartbeatTimeout(Duration.ofSeconds(1))
            .build()) {
      orchestrator.drain();
    }

    assertThat(heard.of(ConductorListener.Rescued.class))
        .singleElement()
        .satisfies(r -> assertThat(r.executions()).isEqualTo(1));
    assertThat(heard.about(held, ConductorListener.Completed.class))
        .singleElement()
        .satisfies(c -> assertThat(c.attempt()).as("the lost run was not counted").isEqualTo(1));
    assertThat(heard.of(ConductorListener.Invoked.class))
        .as("the invoke was made by the Conductor, which has no listener")
        .isEmpty();
  }

  @Test
  void executionsClaimedButNeverStartedAreHeardAsCancelledOrHandedBackAtTheStop() throws Exception {
    Recorder heard = new Recorder();
    var conductor = db.closeAfter(db.conductor(SCHEMAS).build());
    CountDownLatch never = new CountDownLatch(1);
    var work =
        conductor.createTask(
            TaskOptions.of(WORK),
            Trigger.invocable(),
            (e, ctx) -> {
              never.await(); // interrupted by the stop's end of grace
              return "unreachable";
            });
    conductor.ensureInstalled();
    String running = conductor.invoke(WORK, new Job("1")).orElseThrow();
    String cancelled = conductor.invoke(WORK, new Job("2")).orElseThrow();
    String handedBack = conductor.invoke(WORK, new Job("3")).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(work)
            .listener(heard)
            .handleSignals(false)
            .shutdownGrace(Duration.ofMillis(200))
            .defaultWorker(
                WorkerConfig.builder()
                    .concurrency(1)
                    .fetchBatchSize(5)
                    .pollInterval(Duration.ofMillis(20))
                    .build())
            .build()) {
      orchestrator.start();
      // one handler slot: the first runs, the other two wait claimed in the worker
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> heard.about(running, ConductorListener.Started.class).size() == 1);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> state(conductor, handedBack) == ExecutionState.RUNNING);
      assertThat(conductor.cancel(cancelled)).isTrue();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> heard.about(cancelled, ConductorListener.Cancelled.class).size() == 1);
    }

    assertThat(heard.about(cancelled, ConductorListener.Started.class)).isEmpty();
    assertThat(heard.about(handedBack, ConductorListener.Started.class)).isEmpty();
    assertThat(heard.about(handedBack, ConductorListener.Released.class))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.reason()).isEqualTo(Reason.STOP);
              assertThat(r.duration()).isZero();
            });
    assertThat(heard.about(running, ConductorListener.Released.class))
        .singleElement()
        .satisfies(r -> assertThat(r.reason()).isEqualTo(Reason.STOP));
    assertThat(state(conductor, cancelled)).isEqualTo(ExecutionState.CANCELLED);
    assertThat(state(conductor, handedBack)).isEqualTo(ExecutionState.PENDING);
    assertThat(state(conductor, running)).isEqualTo(ExecutionState.PENDING);
  }

  private static ExecutionState state(Conductor<?> conductor, String id) {
    return conductor.getExecution(id).orElseThrow().state();
  }

  @Test
  void aListenerThatThrowsIsLoggedAndNeitherTheWorkNorOtherListenersNotice() {
    AtomicInteger calls = new AtomicInteger();
    ConductorListener broken =
        new ConductorListener() {
          @Override
          public void executionStarted(Started event) {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
          }

          @Override
          public void executionCompleted(Completed event) {
            throw new IllegalStateException("listener bug");
          }
        };
    Recorder heard = new Recorder();
    var conductor = db.closeAfter(db.conductor(SCHEMAS).listener(broken).listener(heard).build());
    var work = conductor.createTask(TaskOptions.of(WORK), Trigger.invocable(), (e, ctx) -> "ok");
    conductor.ensureInstalled();
    String id = conductor.invoke(WORK, new Job("w")).orElseThrow();
    try (var orchestrator = orchestrator(conductor, work)) {
      orchestrator.drain();
    }

    assertThat(calls).hasValue(1);
    assertThat(conductor.getExecution(WORK, id).orElseThrow().result()).isEqualTo("ok");
    assertThat(heard.about(id, ConductorListener.Completed.class)).hasSize(1);
  }

  private static Orchestrator orchestrator(Conductor<?> conductor, Task<?, ?>... tasks) {
    return Orchestrator.builder(conductor)
        .tasks(tasks)
        .handleSignals(false)
        .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build())
        .build();
  }
}
