package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestClock;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A transactional step's database writes commit with its recorded result, exactly once. */
class TransactionalStepIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Payment(String order, int cents) {}

  static final TaskDefinition<Payment, Long> CHARGE =
      TaskDefinition.of("charge", Payment.class, Long.class);

  @Test
  void theWriteHappensOnceAcrossRetriesAndNotAtAllWhenTheBodyFails() {
    db.execute("create table ledger (id bigserial primary key, order_id text, cents int)");
    TestClock clock = new TestClock();
    var conductor = db.closeAfter(db.conductor(TaskSchemas.of(CHARGE)).clock(clock).build());
    AtomicInteger bodyRuns = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(CHARGE).maxAttempts(3),
            Trigger.invocable(),
            (event, ctx) -> {
              Payment p = event.payload();
              long ledgerId =
                  ctx.transactionalStep(
                      "book",
                      Long.class,
                      connection -> {
                        bodyRuns.incrementAndGet();
                        try (PreparedStatement ps =
                            connection.prepareStatement(
                                "insert into ledger (order_id, cents) values (?, ?) returning id")) {
                          ps.setString(1, p.order());
                          ps.setInt(2, p.cents());
                          var rs = ps.executeQuery();
                          rs.next();
                          if (p.cents() < 0 && ctx.attempt() == 1) {
                            throw new IllegalArgumentException("negative amount"); // rolls back
                          }
                          return rs.getLong(1);
                        }
                      });
              if (ctx.attempt() == 1) {
                throw new IllegalStateException("crash after booking");
              }
              return ledgerId;
            });
    conductor.ensureInstalled();
    String ok = conductor.invoke(CHARGE, new Payment("o-1", 500)).orElseThrow();
    String refund = conductor.invoke(CHARGE, new Payment("o-2", -100)).orElseThrow();
    try (var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(task)
            .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build())
            .handleSignals(false)
            .build()) {
      orchestrator.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  conductor.getExecution(ok).orElseThrow().attempts() == 1
                      && conductor.getExecution(ok).orElseThrow().state() == ExecutionState.PENDING
                      && conductor.getExecution(refund).orElseThrow().state()
                          == ExecutionState.PENDING);
      assertThat(db.queryLong("select count(*) from ledger where order_id = 'o-2'"))
          .as("the failed body's write was rolled back")
          .isZero();
      clock.advance(Duration.ofSeconds(15));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  conductor.getExecution(ok).orElseThrow().state() == ExecutionState.COMPLETED
                      && conductor.getExecution(refund).orElseThrow().state()
                          == ExecutionState.COMPLETED);
    }
    assertThat(db.queryLong("select count(*) from ledger where order_id = 'o-1'")).isEqualTo(1);
    assertThat(db.queryLong("select count(*) from ledger where order_id = 'o-2'")).isEqualTo(1);
    long bookedId = db.queryLong("select id from ledger where order_id = 'o-1'");
    assertThat(conductor.getExecution(CHARGE, ok).orElseThrow().result()).isEqualTo(bookedId);
    assertThat(bodyRuns).as("o-1 once, o-2 twice (once rolled back)").hasValue(3);
  }
}
