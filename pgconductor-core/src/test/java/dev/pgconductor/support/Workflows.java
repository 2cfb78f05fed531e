package dev.pgconductor.support;

import dev.pgconductor.Conductor;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Workflows shared by crash tests and the child JVMs they kill. Every plain step body records its
 * run in {@code step_runs} (with a token it returns), and the order's charge is a transactional
 * step writing to {@code charges}, so tests can count side effects.
 */
public final class Workflows {
  private Workflows() {}

  public record Loop(int steps) {}

  public record Order(String id, int cents) {}

  public record ReceiptRequest(String orderId) {}

  public record OrderResult(
      long chargeId, String reserveToken, String receiptToken, String notifyToken) {}

  public static final TaskDefinition<Loop, Integer> LONG_LOOP =
      TaskDefinition.of("long-loop", Loop.class, Integer.class);
  public static final TaskDefinition<Order, OrderResult> ORDER =
      TaskDefinition.of("order", Order.class, OrderResult.class);
  public static final TaskDefinition<ReceiptRequest, String> RECEIPT =
      TaskDefinition.of("receipt", ReceiptRequest.class, String.class);

  public static final TaskSchemas SCHEMAS = TaskSchemas.of(LONG_LOOP, ORDER, RECEIPT);

  /** Tables the workflows write to. */
  public static void createTables(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection()) {
      c.createStatement()
          .execute(
              """
              create table if not exists step_runs (
                id bigserial primary key, execution_id uuid not null, step text not null,
                token text not null, ran_at timestamptz not null default clock_timestamp());
              create table if not exists charges (
                id bigserial primary key, order_id text not null, cents int not null)""");
    }
  }

  /** Registers the workflow handlers on a Conductor whose context is the test's DataSource. */
  public static List<Task<?, ?>> register(Conductor<DataSource> conductor) {
    Task<Loop, Integer> loop =
        conductor.createTask(
            TaskOptions.of(LONG_LOOP),
            Trigger.invocable(),
            (event, ctx) -> {
              int sum = 0;
              for (int i = 0; i < event.payload().steps(); i++) {
                String step = "s" + i;
                ctx.step(
                    step,
                    String.class,
                    () -> {
                      busy(Duration.ofMillis(15));
                      return recordRun(ctx.context(), ctx.executionId(), step);
                    });
                sum += i;
                ctx.checkpoint();
              }
              return sum;
            });
    Task<Order, OrderResult> order =
        conductor.createTask(
            TaskOptions.of(ORDER).maxAttempts(20),
            Trigger.invocable(),
            (event, ctx) -> {
              Order o = event.payload();
              long chargeId =
                  ctx.transactionalStep(
                      "charge",
                      Long.class,
                      c -> {
                        try (PreparedStatement ps =
                            c.prepareStatement(
                                "insert into charges (order_id, cents) values (?, ?) returning id")) {
                          ps.setString(1, o.id());
                          ps.setInt(2, o.cents());
                          try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            return rs.getLong(1);
                          }
                        }
                      });
              String reserve =
                  ctx.step(
                      "reserve",
                      String.class,
                      () -> recordRun(ctx.context(), ctx.executionId(), "reserve"));
              ctx.sleep(
                  "cool-off", Duration.ofMillis(1500)); // long enough that kills land mid-workflow
              String receipt = ctx.invoke("receipt", RECEIPT, new ReceiptRequest(o.id()));
              String notify =
                  ctx.step(
                      "notify",
                      String.class,
                      () -> recordRun(ctx.context(), ctx.executionId(), "notify"));
              return new OrderResult(chargeId, reserve, receipt, notify);
            });
    Task<ReceiptRequest, String> receipt =
        conductor.createTask(
            TaskOptions.of(RECEIPT).maxAttempts(20),
            Trigger.invocable(),
            (event, ctx) ->
                ctx.step(
                    "render",
                    String.class,
                    () -> recordRun(ctx.context(), ctx.executionId(), "render")));
    return List.of(loop, order, receipt);
  }

  /** Records one run of a step body; returns the run's token. */
  static String recordRun(DataSource ds, String executionId, String step) throws SQLException {
    String token = UUID.randomUUID().toString();
    try (Connection c = ds.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "insert into step_runs (execution_id, step, token) values (?::uuid, ?, ?)")) {
      ps.setString(1, executionId);
      ps.setString(2, step);
      ps.setString(3, token);
      ps.executeUpdate();
    }
    return token;
  }

  /** Keeps the CPU busy for a while (a stand-in for work that does not block). */
  private static void busy(Duration duration) {
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }
}
