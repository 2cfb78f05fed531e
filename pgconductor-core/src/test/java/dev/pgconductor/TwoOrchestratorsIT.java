package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** WRK-1: orchestrators sharing a queue never run one execution twice. */
class TwoOrchestratorsIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Job(int n) {}

  static final TaskDefinition<Job, Void> JOB = TaskDefinition.of("job", Job.class);

  @Test
  void twoOrchestratorsOnOneQueueRunEachExecutionExactlyOnce() {
    int total = 4000;
    var runs = new ConcurrentHashMap<Integer, AtomicInteger>();
    var perOrchestrator = new ConcurrentHashMap<String, AtomicInteger>();
    List<Orchestrator> orchestrators = new java.util.ArrayList<>();
    for (String name : List.of("a", "b")) {
      // each has its own Conductor and pool, as separate processes would
      var conductor = db.closeAfter(db.conductor(TaskSchemas.of(JOB)).poolSize(4).build());
      var task =
          conductor.createTask(
              TaskOptions.of(JOB),
              Trigger.invocable(),
              (event, ctx) -> {
                runs.computeIfAbsent(event.payload().n(), k -> new AtomicInteger())
                    .incrementAndGet();
                perOrchestrator.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                return null;
              });
      conductor.ensureInstalled();
      orchestrators.add(
          db.closeAfter(
              Orchestrator.builder(conductor)
                  .tasks(task)
                  .defaultWorker(
                      WorkerConfig.builder()
                          .concurrency(8)
                          .fetchBatchSize(16)
                          .pollInterval(Duration.ofMillis(50))
                          .build())
                  .handleSignals(false)
                  .build()));
    }
    orchestrators.forEach(Orchestrator::start);
    var invoker = db.closeAfter(db.conductor(TaskSchemas.of(JOB)).build());
    for (int from = 0; from < total; from += 200) {
      int start = from;
      invoker.invokeBatch(
          JOB,
          IntStream.range(start, start + 200).mapToObj(i -> Invocation.of(new Job(i))).toList());
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> db.queryLong("select count(*) from pgconductor.finished_executions") == total);
    orchestrators.forEach(Orchestrator::close);

    assertThat(runs).hasSize(total);
    assertThat(runs.values()).allMatch(c -> c.get() == 1, "ran exactly once");
    assertThat(perOrchestrator.get("a").get() + perOrchestrator.get("b").get()).isEqualTo(total);
    assertThat(perOrchestrator.values()).allMatch(c -> c.get() > 0, "both took part");
    assertThat(
            db.queryLong(
                "select count(*) from pgconductor.finished_executions where attempts <> 1"))
        .isZero();
  }
}
