package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskEvent;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The code of docs/batch-tasks.md. */
public final class BatchExamples {
  private BatchExamples() {}

  /** Index one product in the search engine. */
  public record IndexProduct(String sku, String title) {}

  public static final TaskDefinition<IndexProduct, String> INDEX_PRODUCT =
      TaskDefinition.of("index-product", IndexProduct.class, String.class);

  /** The search engine's bulk API: one request for many documents, one answer per document. */
  public interface SearchEngine {
    /** Indexes documents by id; returns the version given to each, by id. */
    Map<String, String> bulkIndex(Map<String, String> titlesById) throws Exception;

    /** Whether the engine asked clients to slow down. */
    boolean throttled();
  }

  /** Product changes indexed in bulk requests of up to 100 documents. */
  public static Task<IndexProduct, String> indexTask(Conductor<?> conductor, SearchEngine engine) {
    // tag::batch[]
    Task<IndexProduct, String> index =
        conductor.createBatchTask(
            TaskOptions.of(INDEX_PRODUCT).batch(100, Duration.ofSeconds(2)),
            Trigger.invocable(),
            (events, ctx) -> {
              if (engine.throttled()) {
                ctx.sleep("back-off", Duration.ofMinutes(1)); // the whole batch waits
              }
              Map<String, String> titles = new java.util.LinkedHashMap<>();
              for (TaskEvent<IndexProduct> event : events) {
                titles.put(event.payload().sku(), event.payload().title());
              }
              Map<String, String> versions = engine.bulkIndex(titles); // one request
              ctx.logger().info("indexed {} products", versions.size());
              // one result per event, in the order of the events
              List<String> results =
                  events.stream().map(e -> versions.get(e.payload().sku())).toList();
              return results;
            });
    // end::batch[]
    return index;
  }
}
