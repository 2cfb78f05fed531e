package dev.pgconductor.reliability;

import dev.pgconductor.Conductor;
import dev.pgconductor.Task;
import dev.pgconductor.TaskContext;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The tasks the worker JVMs run and the driver invokes. Every step body logs its run in {@link
 * StepLog} and returns the run's token, so the checker can tell which run was recorded. The order's
 * charge is a transactional step that inserts one row into {@code harness.effects}: exactly one per
 * completed order, whatever happened to the workers.
 *
 * <p>No handler fails by itself (apart from the poison tasks, which are on purpose), so an
 * execution that needed more than one attempt lost the others to a fault.
 */
public final class Workload {
  private Workload() {}

  /**
   * Attempts of the healthy tasks: plenty, so that burned attempts show up as a count, not loss.
   */
  public static final int MAX_ATTEMPTS = 50;

  /**
   * An order workflow.
   *
   * @param key a name for the order
   * @param stepMillis how long each plain step body works
   * @param chargeMillis how long the transactional step's body holds its transaction open
   * @param sleepMillis the durable sleep between charge and child
   * @param child whether it invokes a receipt child
   */
  public record Order(
      String key, int stepMillis, int chargeMillis, int sleepMillis, boolean child) {}

  /** What an order returns: the token of each recorded step run and the charge's effect row. */
  public record OrderResult(String reserve, long effectId, String receipt, String ship) {}

  /** The child's payload. */
  public record Receipt(String orderKey, int stepMillis) {}

  /** A quick job: one step. */
  public record Quick(int stepMillis) {}

  /** Steps and a sleep under names the driver chooses (names full of SQL). */
  public record Names(List<String> steps) {}

  public static final TaskDefinition<Order, OrderResult> ORDER =
      TaskDefinition.of("rel.order", Order.class, OrderResult.class);
  public static final TaskDefinition<Receipt, String> RECEIPT =
      TaskDefinition.of("rel.receipt", Receipt.class, String.class);
  public static final TaskDefinition<Quick, String> QUICK =
      TaskDefinition.of("rel.quick", Quick.class, String.class);

  /** Runs one step per name given, and a sleep under the first name. */
  public static final TaskDefinition<Names, Integer> NAMES =
      TaskDefinition.of("rel.names", Names.class, Integer.class);

  /** Returns a string with a NUL character, which Postgres cannot store in jsonb. */
  public static final TaskDefinition<Quick, String> NUL_RESULT =
      TaskDefinition.of("rel.poison.nul", Quick.class, String.class);

  /** Returns a 300 MB string: more than a jsonb value holds. */
  public static final TaskDefinition<Quick, String> HUGE_RESULT =
      TaskDefinition.of("rel.poison.huge", Quick.class, String.class);

  /** Recurses until the stack overflows. */
  public static final TaskDefinition<Quick, String> OVERFLOW =
      TaskDefinition.of("rel.poison.overflow", Quick.class, String.class);

  /** The timeout of {@link #HANG}: a hung run fails its attempt after this long. */
  public static final Duration HANG_TIMEOUT = Duration.ofSeconds(2);

  /** Never returns (until interrupted, which its timeout does). */
  public static final TaskDefinition<Quick, String> HANG =
      TaskDefinition.of("rel.poison.hang", Quick.class, String.class);

  /** The same task name as {@link #QUICK}, but a payload type it cannot read. */
  public static final TaskDefinition<String, Void> QUICK_UNREADABLE =
      TaskDefinition.of("rel.quick", String.class);

  /** A task that no worker serves, on the same queue. */
  public static final TaskDefinition<Quick, Void> UNKNOWN =
      TaskDefinition.of("rel.poison.unknown", Quick.class);

  /** The tasks the worker JVMs define. */
  public static final TaskSchemas SCHEMAS =
      TaskSchemas.of(ORDER, RECEIPT, QUICK, NAMES, NUL_RESULT, HUGE_RESULT, OVERFLOW, HANG);

  /** What the driver may invoke, including tasks no worker serves or reads. */
  public static final TaskSchemas DRIVER_SCHEMAS =
      TaskSchemas.of(
          ORDER, RECEIPT, QUICK, NAMES, NUL_RESULT, HUGE_RESULT, OVERFLOW, HANG, UNKNOWN);

  /** The driver's view of {@link #QUICK} under a payload type the workers cannot read. */
  public static final TaskSchemas UNREADABLE_SCHEMAS = TaskSchemas.of(QUICK_UNREADABLE);

  /** Registers the handlers on a worker's Conductor. */
  public static List<Task<?, ?>> register(Conductor<StepLog> conductor) {
    List<Task<?, ?>> tasks = new ArrayList<>();
    tasks.add(
        conductor.createTask(
            TaskOptions.of(ORDER).maxAttempts(MAX_ATTEMPTS), Trigger.invocable(), Workload::order));
    tasks.add(
        conductor.createTask(
            TaskOptions.of(RECEIPT).maxAttempts(MAX_ATTEMPTS),
            Trigger.invocable(),
            (event, ctx) -> plainStep(ctx, "render", event.payload().stepMillis())));
    tasks.add(
        conductor.createTask(
            TaskOptions.of(QUICK).maxAttempts(MAX_ATTEMPTS),
            Trigger.invocable(),
            (event, ctx) -> plainStep(ctx, "work", event.payload().stepMillis())));
    tasks.add(
        conductor.createTask(
            TaskOptions.of(NAMES).maxAttempts(MAX_ATTEMPTS),
            Trigger.invocable(),
            (event, ctx) -> {
              List<String> names = event.payload().steps();
              for (String name : names) {
                plainStep(ctx, name, 0);
              }
              ctx.sleep(names.get(0) + " (sleep)", Duration.ofMillis(50));
              return names.size();
            }));
    tasks.add(
        conductor.createTask(
            TaskOptions.of(NUL_RESULT).maxAttempts(2),
            Trigger.invocable(),
            (event, ctx) -> "nul\u0000inside"));
    tasks.add(
        conductor.createTask(
            TaskOptions.of(HUGE_RESULT).maxAttempts(2),
            Trigger.invocable(),
            (event, ctx) -> "x".repeat(300_000_000)));
    tasks.add(
        conductor.createTask(
            TaskOptions.of(OVERFLOW).maxAttempts(2),
            Trigger.invocable(),
            (event, ctx) -> String.valueOf(recurse(0))));
    tasks.add(
        conductor.createTask(
            TaskOptions.of(HANG).maxAttempts(2).timeout(HANG_TIMEOUT),
            Trigger.invocable(),
            (event, ctx) -> {
              Thread.sleep(Long.MAX_VALUE); // the poison: a handler that never returns
              return "woke";
            }));
    return tasks;
  }

  private static OrderResult order(dev.pgconductor.TaskEvent<Order> event, TaskContext<StepLog> ctx)
      throws Exception {
    Order order = event.payload();
    String reserve = plainStep(ctx, "reserve", order.stepMillis());
    long effectId =
        ctx.transactionalStep(
            "charge",
            Long.class,
            connection -> {
              ctx.context().run(ctx.executionId(), "charge", ctx.attempt());
              long id;
              try (PreparedStatement ps =
                  connection.prepareStatement(
                      "insert into harness.effects (execution_id, pid) values (?::uuid, ?)"
                          + " returning id")) {
                ps.setString(1, ctx.executionId());
                ps.setLong(2, ProcessHandle.current().pid());
                try (ResultSet rs = ps.executeQuery()) {
                  rs.next();
                  id = rs.getLong(1);
                }
              }
              work(order.chargeMillis()); // the transaction stays open meanwhile
              return id;
            });
    if (order.sleepMillis() > 0) {
      ctx.sleep("cool-off", Duration.ofMillis(order.sleepMillis()));
    }
    String receipt =
        order.child()
            ? ctx.invoke("receipt", RECEIPT, new Receipt(order.key(), order.stepMillis()))
            : null;
    String ship = plainStep(ctx, "ship", order.stepMillis());
    return new OrderResult(reserve, effectId, receipt, ship);
  }

  private static String plainStep(TaskContext<StepLog> ctx, String name, int millis)
      throws Exception {
    return ctx.step(
        name,
        String.class,
        () -> {
          String token = ctx.context().run(ctx.executionId(), name, ctx.attempt());
          work(millis);
          return token;
        });
  }

  /** Stands in for the work of a step: a blocking wait, as a call to another service would be. */
  private static void work(int millis) throws InterruptedException {
    if (millis > 0) {
      Thread.sleep(millis);
    }
  }

  private static int recurse(int depth) {
    return recurse(depth + 1) + 1;
  }
}
