package dev.pgconductor.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.Conductor;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.examples.guide.DurableExamples;
import dev.pgconductor.examples.guide.DurableExamples.Charge;
import dev.pgconductor.examples.guide.DurableExamples.Import;
import dev.pgconductor.examples.guide.DurableExamples.Invoice;
import dev.pgconductor.examples.guide.DurableExamples.Order;
import dev.pgconductor.examples.guide.DurableExamples.Receipt;
import dev.pgconductor.testing.TestClock;
import dev.pgconductor.testing.TestPostgres;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs the durable-execution code of the user guide against Postgres. */
class DurableExamplesIT {
  private String url;
  private final TestClock clock = new TestClock();
  private final List<String> calls = new CopyOnWriteArrayList<>();

  @BeforeEach
  void createDatabase() {
    url = TestPostgres.createDatabase();
  }

  @AfterEach
  void dropDatabase() {
    TestPostgres.dropDatabase(url);
  }

  /** A shop that records what it was asked to do; charges fail while {@code failCharges}. */
  private DurableExamples.Shop shop(boolean failCharges) {
    return new DurableExamples.Shop() {
      @Override
      public String reserve(String orderId) {
        calls.add("reserve " + orderId);
        return "res-" + orderId;
      }

      @Override
      public void release(String reservation) {
        calls.add("release " + reservation);
      }

      @Override
      public void ship(String orderId, String reservation) {
        calls.add("ship " + orderId + " " + reservation);
      }

      @Override
      public Receipt charge(Charge charge) {
        calls.add("charge " + charge.orderId());
        if (failCharges) {
          throw new IllegalStateException("card declined");
        }
        return new Receipt("rcpt-" + charge.orderId());
      }
    };
  }

  private Conductor<Void> conductor(TaskSchemas tasks) {
    Conductor<Void> conductor =
        Conductor.builder().connectionString(url).tasks(tasks).clock(clock).build();
    conductor.ensureInstalled();
    return conductor;
  }

  @Test
  void workflowRunsEachStepOnceAcrossChildAndSleep() {
    try (Conductor<Void> conductor =
        conductor(TaskSchemas.of(DurableExamples.FULFIL, DurableExamples.CHARGE))) {
      var shop = shop(false);
      var fulfil = DurableExamples.fulfilTask(conductor, shop);
      var charge = DurableExamples.chargeTask(conductor, shop);
      String id = conductor.invoke(DurableExamples.FULFIL, new Order("o-1", 4200)).orElseThrow();

      Orchestrator.builder(conductor).tasks(fulfil, charge).build().drain();

      var sleeping = conductor.getExecution(DurableExamples.FULFIL, id).orElseThrow();
      assertThat(sleeping.state()).isEqualTo(ExecutionState.WAITING);
      assertThat(sleeping.runAt()).isAfter(clock.instant().plus(Duration.ofMinutes(59)));
      assertThat(calls).containsExactly("reserve o-1", "charge o-1");

      clock.advance(Duration.ofHours(1));
      Orchestrator.builder(conductor).tasks(fulfil, charge).build().drain();

      var done = conductor.getExecution(DurableExamples.FULFIL, id).orElseThrow();
      assertThat(done.state()).isEqualTo(ExecutionState.COMPLETED);
      assertThat(done.result()).isEqualTo("rcpt-o-1");
      assertThat(done.attempts()).isEqualTo(1);
      assertThat(calls).containsExactly("reserve o-1", "charge o-1", "ship o-1 res-o-1");
    }
  }

  @Test
  void failedChildFailsTheWorkflowAfterCompensating() {
    try (Conductor<Void> conductor =
        conductor(TaskSchemas.of(DurableExamples.FULFIL, DurableExamples.CHARGE))) {
      var shop = shop(true);
      var fulfil = DurableExamples.fulfilTask(conductor, shop);
      var charge = DurableExamples.chargeTask(conductor, shop);
      String id = conductor.invoke(DurableExamples.FULFIL, new Order("o-2", 100)).orElseThrow();

      for (int backoff : new int[] {15, 30, 60, 60}) { // the child's five attempts
        Orchestrator.builder(conductor).tasks(fulfil, charge).build().drain();
        clock.advance(Duration.ofSeconds(backoff));
      }
      Orchestrator.builder(conductor).tasks(fulfil, charge).build().drain();

      var order = conductor.getExecution(DurableExamples.FULFIL, id).orElseThrow();
      assertThat(order.state()).isEqualTo(ExecutionState.FAILED);
      assertThat(order.lastError()).isEqualTo("Child execution failed: card declined");
      assertThat(order.attempts()).isEqualTo(1);
      assertThat(calls).filteredOn(c -> c.startsWith("charge")).hasSize(5);
      assertThat(calls).endsWith("release res-o-2");
    }
  }

  @Test
  void transactionalStepWritesItsRowOnce() throws Exception {
    try (var c = DriverManager.getConnection(url);
        var st = c.createStatement()) {
      st.execute("create table invoices (id bigserial primary key, order_id text, cents bigint)");
    }
    try (Conductor<Void> conductor = conductor(TaskSchemas.of(DurableExamples.INVOICE))) {
      var invoice = DurableExamples.invoiceTask(conductor);
      String id = conductor.invoke(DurableExamples.INVOICE, new Invoice("o-3", 990)).orElseThrow();

      Orchestrator.builder(conductor).tasks(invoice).build().drain();

      var done = conductor.getExecution(DurableExamples.INVOICE, id).orElseThrow();
      assertThat(done.state()).isEqualTo(ExecutionState.COMPLETED);
      try (var c = DriverManager.getConnection(url);
          var st = c.createStatement();
          var rs = st.executeQuery("select id, order_id from invoices")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(done.result());
        assertThat(rs.getString(2)).isEqualTo("o-3");
        assertThat(rs.next()).isFalse();
      }
    }
  }

  @Test
  void cancellingAPendingExecutionFailsItWithTheReason() {
    try (Conductor<Void> conductor = conductor(TaskSchemas.of(DurableExamples.IMPORT))) {
      String id = conductor.invoke(DurableExamples.IMPORT, new Import("a.csv")).orElseThrow();

      assertThat(DurableExamples.cancel(conductor, id)).isTrue();
      assertThat(DurableExamples.cancel(conductor, id)).isFalse();

      var cancelled = conductor.getExecution(DurableExamples.IMPORT, id).orElseThrow();
      assertThat(cancelled.state()).isEqualTo(ExecutionState.FAILED);
      assertThat(cancelled.lastError()).isEqualTo("customer withdrew the order");
    }
  }

  @Test
  void cancellingARunningExecutionStopsItAtOnce() throws Exception {
    CountDownLatch storing = new CountDownLatch(1);
    try (Conductor<Void> conductor = conductor(TaskSchemas.of(DurableExamples.IMPORT))) {
      var importFile =
          DurableExamples.importTask(
              conductor,
              new DurableExamples.Files() {
                @Override
                public List<String> lines(String file) {
                  return List.of("a", "b", "c");
                }

                @Override
                public void store(String line) throws InterruptedException {
                  storing.countDown();
                  new CountDownLatch(1).await(); // slow storage, until interrupted
                }
              });
      try (Orchestrator orchestrator =
          Orchestrator.builder(conductor).tasks(importFile).handleSignals(false).build()) {
        orchestrator.start();
        String id = conductor.invoke(DurableExamples.IMPORT, new Import("big.csv")).orElseThrow();
        assertThat(storing.await(30, TimeUnit.SECONDS)).isTrue();

        assertThat(DurableExamples.cancel(conductor, id)).isTrue();

        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> conductor.getExecution(id).orElseThrow().state(),
                state -> state == ExecutionState.CANCELLED);
        var cancelled = conductor.getExecution(id).orElseThrow();
        assertThat(cancelled.lastError()).isEqualTo("customer withdrew the order");
      }
    }
  }
}
