package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * After an outage longer than the heartbeat timeout, every orchestrator's last heartbeat is old.
 * The first one back must not declare the others dead and throw their work away: a rescuer judges
 * only once it has itself heartbeated for a whole timeout, which gives every live orchestrator the
 * time to beat again. An orchestrator that really died is still rescued, that much later.
 */
class OutageIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final TaskDefinition<String, String> WORK =
      TaskDefinition.of("work", String.class, String.class);

  private static final Duration TIMEOUT = Duration.ofMillis(1500);

  @Test
  void liveOrchestratorsSurviveAnOutageAndADeadOneIsRescuedAfterAFullTimeout() throws Exception {
    List<Long> rescuedAtNanos = new CopyOnWriteArrayList<>();
    ConductorListener rescues =
        new ConductorListener() {
          @Override
          public void executionsRescued(Rescued event) {
            rescuedAtNanos.add(System.nanoTime());
          }
        };
    CountDownLatch running = new CountDownLatch(2);
    CountDownLatch finish = new CountDownLatch(1);
    AtomicInteger runs = new AtomicInteger();
    try (var conductor = db.conductor(TaskSchemas.of(WORK)).listener(rescues).build()) {
      var task =
          conductor.createTask(
              TaskOptions.of(WORK),
              Trigger.invocable(),
              (event, ctx) -> {
                runs.incrementAndGet();
                if (event.payload().startsWith("long")) {
                  running.countDown();
                  finish.await();
                }
                return "done " + event.payload();
              });
      conductor.ensureInstalled();
      try (var first = orchestrator(conductor, task);
          var second = orchestrator(conductor, task)) {
        first.start();
        second.start();
        String a = conductor.invoke(WORK, "long-a").orElseThrow();
        String b = conductor.invoke(WORK, "long-b").orElseThrow();
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        runs.set(0);

        // The outage: nobody could beat for an hour. And one orchestrator really died in it,
        // holding an execution.
        // not due, so no live worker claims it before it is made to look held
        String held =
            conductor
                .invoke(
                    WORK,
                    "held by the dead",
                    InvokeOptions.builder()
                        .runAt(java.time.Instant.now().plusSeconds(3600))
                        .build())
                .orElseThrow();
        db.holdByDeadOrchestrator(held, null);
        long outageEnded = System.nanoTime();
        db.execute(
            "update pgconductor.orchestrators set last_heartbeat_at = now() - interval '1 hour'");

        // both live ones beat again and stay registered: neither is declared dead
        await()
            .during(TIMEOUT.multipliedBy(3).dividedBy(2))
            .atMost(TIMEOUT.multipliedBy(3))
            .until(() -> registered(first) && registered(second));

        // the dead one is rescued, but only after the rescuer was live for a whole timeout
        await()
            .atMost(Duration.ofSeconds(15))
            .until(() -> state(conductor, held) == ExecutionState.COMPLETED);
        assertThat(rescuedAtNanos).isNotEmpty();
        assertThat(rescuedAtNanos.getFirst() - outageEnded)
            .as("nanoseconds from the end of the outage to the first rescue")
            .isGreaterThanOrEqualTo(TIMEOUT.toNanos());

        finish.countDown();
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    state(conductor, a) == ExecutionState.COMPLETED
                        && state(conductor, b) == ExecutionState.COMPLETED);
        assertThat(conductor.getExecution(a).orElseThrow().attempts()).isOne();
        assertThat(conductor.getExecution(b).orElseThrow().attempts()).isOne();
        assertThat(runs)
            .as("runs after the outage: the rescued one, and no rerun of the live ones' work")
            .hasValue(1);
      }
    }
  }

  private static Orchestrator orchestrator(Conductor<Void> conductor, Task<?, ?> task) {
    return Orchestrator.builder(conductor)
        .tasks(task)
        .heartbeatInterval(Duration.ofMillis(100))
        .heartbeatTimeout(TIMEOUT)
        .defaultWorker(
            WorkerConfig.builder().concurrency(4).pollInterval(Duration.ofMillis(50)).build())
        .handleSignals(false)
        .build();
  }

  private static boolean registered(Orchestrator orchestrator) {
    return db.queryLong(
            "select count(*) from pgconductor.orchestrators where id = ?::uuid",
            orchestrator.info().id())
        == 1;
  }

  private static ExecutionState state(Conductor<?> conductor, String id) {
    return conductor.getExecution(id).orElseThrow().state();
  }
}
