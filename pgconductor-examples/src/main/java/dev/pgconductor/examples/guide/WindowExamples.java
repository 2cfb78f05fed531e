package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import dev.pgconductor.TypeRef;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.function.Function;

/** The code of docs/time-windows.md. */
public final class WindowExamples {
  private WindowExamples() {}

  /** Call a customer back about a ticket. */
  public record Callback(String ticketId) {}

  /** Re-index a catalog, in pages. */
  public record Reindex(String catalog) {}

  public static final TaskDefinition<Callback, Void> CALL_BACK =
      TaskDefinition.of("call-back", Callback.class);
  public static final TaskDefinition<Reindex, Integer> REINDEX =
      TaskDefinition.of("reindex", Reindex.class, Integer.class);

  /** A page of items, as a step records it. */
  static final TypeRef<List<String>> PAGE = new TypeRef<>() {};

  /** Callbacks only during the support team's hours in Paris. */
  public static Task<Callback, Void> callbacks(Conductor<?> conductor) {
    // tag::office-hours[]
    Task<Callback, Void> callbacks =
        conductor.createTask(
            TaskOptions.of(CALL_BACK)
                .window(LocalTime.of(9, 0), LocalTime.of(18, 0), ZoneId.of("Europe/Paris")),
            Trigger.invocable(),
            (event, ctx) -> {
              ctx.logger().info("calling back about ticket {}", event.payload().ticketId());
              return null;
            });
    // end::office-hours[]
    return callbacks;
  }

  /** A long re-index that runs at night (UTC) and pauses between pages when the night ends. */
  public static Task<Reindex, Integer> nightlyReindex(
      Conductor<?> conductor, Function<Integer, List<String>> page) {
    // tag::night[]
    Task<Reindex, Integer> reindex =
        conductor.createTask(
            TaskOptions.of(REINDEX).window("22:00", "06:00"), // across midnight, UTC
            Trigger.invocable(),
            (event, ctx) -> {
              int indexed = 0;
              for (int n = 0; ; n++) {
                int pageNumber = n;
                // each page is a step: when the window closes, the run stops before the next
                // one and goes on from there when it opens again
                List<String> items = ctx.step("page-" + n, PAGE, () -> page.apply(pageNumber));
                if (items.isEmpty()) {
                  return indexed;
                }
                indexed += items.size();
              }
            });
    // end::night[]
    return reindex;
  }
}
