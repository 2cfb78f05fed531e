package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** INV-4..6: throttled and debounced invokes, slot by slot. */
class ThrottleDebounceIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Ping(int n) {}

  static final TaskDefinition<Ping, Void> PING = TaskDefinition.of("ping", Ping.class);
  static final Duration MINUTE = Duration.ofMinutes(1);

  /** 10 s into a minute: slots of a minute start at :00. */
  static final Instant START = Instant.parse("2026-12-07T09:00:10Z");

  @BeforeEach
  void emptyTables() {
    db.installSchema();
    db.execute("truncate pgconductor.executions, pgconductor.finished_executions");
    db.execute("truncate pgconductor.invoke_slots");
  }

  @Test
  void aThrottleLetsTheFirstInvokeOfEachSlotRunPerTaskAndKey() {
    TestClock clock = new TestClock(START);
    try (var conductor = db.conductor(TaskSchemas.of(PING)).clock(clock).build()) {
      conductor.ensureInstalled();
      var throttled = InvokeOptions.builder().throttle(MINUTE).build();
      Optional<String> first = conductor.invoke(PING, new Ping(1), throttled);
      clock.advance(Duration.ofSeconds(49)); // 09:00:59, same slot
      assertThat(first).isPresent();
      assertThat(conductor.invoke(PING, new Ping(2), throttled)).isEmpty();
      // per key: another key has slots of its own
      var keyX = throttled.withDedupeKey("x");
      assertThat(conductor.invoke(PING, new Ping(3), keyX)).isPresent();
      assertThat(conductor.invoke(PING, new Ping(4), keyX)).isEmpty();
      assertThat(conductor.invoke(PING, new Ping(5), throttled.withDedupeKey("y"))).isPresent();
      // a new slot accepts again
      clock.advance(Duration.ofSeconds(1)); // 09:01:00
      Optional<String> next = conductor.invoke(PING, new Ping(6), throttled);
      assertThat(next).isPresent().isNotEqualTo(first);
      assertThat(conductor.getExecution(PING, first.orElseThrow()).orElseThrow().payload())
          .isEqualTo(new Ping(1));
      // in a batch: a dropped invocation has no id
      List<String> ids =
          conductor.invokeBatch(
              PING,
              List.of(
                  Invocation.of(new Ping(7), keyX),
                  Invocation.of(new Ping(8), keyX),
                  Invocation.of(new Ping(9))));
      assertThat(ids.get(0)).isNotNull();
      assertThat(ids.get(1)).isNull();
      assertThat(ids.get(2)).isNotNull();
    }
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isEqualTo(6);
  }

  @Test
  void aDebounceRunsTheLastInvokeOfASlotWithItsPayloadAtTheStartOfTheNextSlot() {
    TestClock clock = new TestClock(START);
    List<Integer> ran = new CopyOnWriteArrayList<>();
    try (var conductor = db.conductor(TaskSchemas.of(PING)).clock(clock).build()) {
      var task =
          conductor.createTask(
              TaskOptions.of(PING),
              Trigger.invocable(),
              (event, ctx) -> {
                ran.add(event.payload().n());
                return null;
              });
      conductor.ensureInstalled();
      var debounced = InvokeOptions.builder().debounce(MINUTE).dedupeKey("doc-1").build();
      String id = conductor.invoke(PING, new Ping(1), debounced).orElseThrow();
      clock.advance(Duration.ofSeconds(20));
      assertThat(conductor.invoke(PING, new Ping(2), debounced)).contains(id);
      clock.advance(Duration.ofSeconds(20));
      assertThat(conductor.invoke(PING, new Ping(3), debounced)).contains(id);
      var pending = conductor.getExecution(PING, id).orElseThrow();
      assertThat(pending.payload()).isEqualTo(new Ping(3));
      assertThat(pending.runAt()).isEqualTo(Instant.parse("2026-12-07T09:01:00Z"));

      try (var orchestrator =
          Orchestrator.builder(conductor)
              .tasks(task)
              .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build())
              .handleSignals(false)
              .build()) {
        orchestrator.start();
        await()
            .during(Duration.ofMillis(300))
            .atMost(Duration.ofSeconds(2))
            .until(ran::isEmpty); // not before the next slot
        clock.advance(Duration.ofSeconds(10)); // 09:01:00
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 1);
        // the next slot's burst is a new execution
        String next = conductor.invoke(PING, new Ping(4), debounced).orElseThrow();
        assertThat(next).isNotEqualTo(id);
        clock.advance(MINUTE);
        await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() == 2);
      }
    }
    assertThat(ran).containsExactly(3, 4);
  }

  @Test
  void concurrentInvokesOfTwoConductorsAgreeOnEachSlot() throws Exception {
    TestClock clock = new TestClock(START);
    List<Conductor<Void>> conductors = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      conductors.add(db.closeAfter(db.conductor(TaskSchemas.of(PING)).clock(clock).build()));
    }
    conductors.getFirst().ensureInstalled();
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (var options :
          List.of(
              InvokeOptions.builder().throttle(MINUTE).dedupeKey("t").build(),
              InvokeOptions.builder().debounce(MINUTE).dedupeKey("d").build())) {
        var barrier = new CyclicBarrier(threads);
        List<CompletableFuture<List<Optional<String>>>> calls = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          var conductor = conductors.get(t % 2);
          int thread = t;
          calls.add(
              CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      barrier.await(20, TimeUnit.SECONDS);
                    } catch (Exception e) {
                      throw new IllegalStateException(e);
                    }
                    List<Optional<String>> ids = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                      ids.add(conductor.invoke(PING, new Ping(thread * 10 + i), options));
                    }
                    return ids;
                  },
                  pool));
        }
        List<Optional<String>> all = new ArrayList<>();
        for (var call : calls) {
          all.addAll(call.get(30, TimeUnit.SECONDS));
        }
        if (options.throttle() != null) {
          assertThat(all.stream().filter(Optional::isPresent)).hasSize(1);
        } else {
          assertThat(all.stream().map(Optional::orElseThrow).distinct()).hasSize(1);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isEqualTo(2);
  }

  @Test
  void badCombinationsAreClearErrorsAndWriteNothing() {
    assertThatThrownBy(() -> InvokeOptions.builder().throttle(MINUTE).debounce(MINUTE).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not both");
    assertThatThrownBy(() -> InvokeOptions.builder().debounce(MINUTE).runAt(Instant.now()).build())
        .hasMessageContaining("runAt");
    assertThatThrownBy(() -> InvokeOptions.builder().throttle(Duration.ZERO).build())
        .hasMessageContaining("throttle");
    try (var conductor = db.conductor(TaskSchemas.of(PING)).build()) {
      conductor.ensureInstalled();
      var debounced = InvokeOptions.builder().debounce(MINUTE).build();
      assertThatThrownBy(
              () ->
                  conductor.invokeBatch(
                      PING,
                      List.of(Invocation.of(new Ping(1)), Invocation.of(new Ping(2), debounced))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("invokeBatch cannot debounce");
    }
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
  }
}
