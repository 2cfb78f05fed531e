package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;

/**
 * The code of docs/concurrency-limits.md: a task that a partner API limits to two calls at once.
 */
public final class ConcurrencyExamples {
  private ConcurrencyExamples() {}

  /** Export an invoice to the accounting system. */
  public record Export(String invoiceId) {}

  public static final TaskDefinition<Export, Void> EXPORT =
      TaskDefinition.of("export-invoice", Export.class);

  /** The accounting system, which refuses more than two sessions at a time. */
  public interface Accounting {
    void upload(String invoiceId) throws Exception;
  }

  /** The export task, never more than two at once however many workers run it. */
  public static Task<Export, Void> exportTask(Conductor<?> conductor, Accounting accounting) {
    // tag::limit[]
    Task<Export, Void> export =
        conductor.createTask(
            TaskOptions.of(EXPORT).concurrency(2), // across every worker and every process
            Trigger.invocable(),
            (event, ctx) -> {
              accounting.upload(event.payload().invoiceId());
              return null;
            });
    // end::limit[]
    return export;
  }
}
