package dev.pgconductor.examples.guide;

import dev.pgconductor.ChildExecutionFailedException;
import dev.pgconductor.Conductor;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import dev.pgconductor.TypeRef;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;

/**
 * The code of docs/durable-execution.md: an order workflow with steps, a child execution and a
 * durable sleep; a transactional step; a long import that honours cancellation; cancelling.
 */
public final class DurableExamples {
  private DurableExamples() {}

  // tag::definitions[]
  public record Order(String orderId, long cents) {}

  public record Charge(String orderId, long cents) {}

  public record Receipt(String reference) {}

  /** The workflow: reserve, charge, wait out the cooling-off period, ship. */
  public static final TaskDefinition<Order, String> FULFIL =
      TaskDefinition.of("fulfil-order", Order.class, String.class);

  /** A task of its own, on its own queue; the workflow invokes it as a child. */
  public static final TaskDefinition<Charge, Receipt> CHARGE =
      TaskDefinition.of("charge-payment", Charge.class, Receipt.class).onQueue("payments");

  // end::definitions[]

  /** The shop's systems the workflow talks to. */
  public interface Shop {
    String reserve(String orderId) throws Exception;

    void release(String reservation) throws Exception;

    void ship(String orderId, String reservation) throws Exception;

    Receipt charge(Charge charge) throws Exception;
  }

  /** The order workflow. */
  public static Task<Order, String> fulfilTask(Conductor<?> conductor, Shop shop) {
    // tag::workflow[]
    Task<Order, String> fulfil =
        conductor.createTask(
            TaskOptions.of(FULFIL),
            Trigger.invocable(),
            (event, ctx) -> {
              Order order = event.payload();
              // runs once; a retry or a resume gets the recorded value back
              String reservation =
                  ctx.step("reserve", String.class, () -> shop.reserve(order.orderId()));
              // tag::invoke-child[]
              Receipt receipt;
              try {
                // the child is created once; this run ends here and resumes when it finished
                receipt =
                    ctx.invoke(
                        "charge",
                        CHARGE,
                        new Charge(order.orderId(), order.cents()),
                        Duration.ofMinutes(10));
              } catch (ChildExecutionFailedException e) {
                ctx.step("release", () -> shop.release(reservation));
                throw e; // fails the order at once: a retry would see the same failed charge
              }
              // end::invoke-child[]
              // tag::sleep[]
              ctx.sleep("cooling-off", Duration.ofHours(1)); // frees the worker slot meanwhile
              // end::sleep[]
              ctx.step("ship", () -> shop.ship(order.orderId(), reservation));
              return receipt.reference();
            });
    // end::workflow[]
    return fulfil;
  }

  /** The child task. */
  public static Task<Charge, Receipt> chargeTask(Conductor<?> conductor, Shop shop) {
    // tag::child[]
    Task<Charge, Receipt> charge =
        conductor.createTask(
            TaskOptions.of(CHARGE).maxAttempts(5),
            Trigger.invocable(),
            (event, ctx) -> shop.charge(event.payload()));
    // end::child[]
    return charge;
  }

  /** Write an invoice row, exactly once. */
  public record Invoice(String orderId, long cents) {}

  public static final TaskDefinition<Invoice, Long> INVOICE =
      TaskDefinition.of("write-invoice", Invoice.class, Long.class);

  /** A transactional step: the insert and the step's record commit together. */
  public static Task<Invoice, Long> invoiceTask(Conductor<?> conductor) {
    // tag::transactional-step[]
    Task<Invoice, Long> invoice =
        conductor.createTask(
            TaskOptions.of(INVOICE),
            Trigger.invocable(),
            (event, ctx) ->
                ctx.transactionalStep(
                    "insert-invoice",
                    Long.class,
                    connection -> {
                      try (PreparedStatement ps =
                          connection.prepareStatement(
                              "insert into invoices (order_id, cents) values (?, ?) returning id")) {
                        ps.setString(1, event.payload().orderId());
                        ps.setLong(2, event.payload().cents());
                        try (ResultSet rs = ps.executeQuery()) {
                          rs.next();
                          return rs.getLong(1); // no commit: the step's transaction does it
                        }
                      }
                    }));
    // end::transactional-step[]
    return invoice;
  }

  /** Import a file, line by line. */
  public record Import(String file) {}

  public static final TaskDefinition<Import, Integer> IMPORT =
      TaskDefinition.of("import-file", Import.class, Integer.class);

  /** Reads and stores files. */
  public interface Files {
    List<String> lines(String file) throws Exception;

    void store(String line) throws Exception;
  }

  /** A long import that stops promptly when cancelled or when the worker stops. */
  public static Task<Import, Integer> importTask(Conductor<?> conductor, Files files) {
    // tag::checkpoint[]
    Task<Import, Integer> importFile =
        conductor.createTask(
            TaskOptions.of(IMPORT),
            Trigger.invocable(),
            (event, ctx) -> {
              List<String> lines =
                  ctx.step(
                      "read",
                      new TypeRef<List<String>>() {},
                      () -> files.lines(event.payload().file()));
              for (String line : lines) {
                ctx.checkpoint(); // ends the run here if cancelled or if the worker is stopping
                files.store(line); // an upsert: a resumed run starts the loop over
              }
              return lines.size();
            });
    // end::checkpoint[]
    return importFile;
  }

  /** Cancels an execution. */
  public static boolean cancel(Conductor<?> conductor, String id) {
    // tag::cancel[]
    boolean cancelled = conductor.cancel(id, "customer withdrew the order");
    // false: no such execution, or it had already finished
    // end::cancel[]
    return cancelled;
  }
}
