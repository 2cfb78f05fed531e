package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.ConductorListener;
import dev.pgconductor.MaintenanceReport;
import dev.pgconductor.Retention;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The code of docs/retention.md. */
public final class RetentionExamples {
  private RetentionExamples() {}

  /** A webhook from the payment provider. */
  public record Webhook(String deliveryId, String body) {}

  /** A cache entry to refresh. */
  public record Refresh(String key) {}

  public static final TaskDefinition<Webhook, Void> HANDLE_WEBHOOK =
      TaskDefinition.of("handle-webhook", Webhook.class);
  public static final TaskDefinition<Refresh, Void> REFRESH_CACHE =
      TaskDefinition.of("refresh-cache", Refresh.class);

  /** Webhooks kept a week (their dedupe keys with them), failures a month. */
  public static Task<Webhook, Void> webhooks(Conductor<?> conductor) {
    // tag::retention[]
    Task<Webhook, Void> webhooks =
        conductor.createTask(
            TaskOptions.of(HANDLE_WEBHOOK)
                .removeOnComplete(Duration.ofDays(7)) // and a redelivery is ignored for 7 days
                .removeOnFail(Duration.ofDays(30)), // time to look into failures
            Trigger.invocable(),
            (event, ctx) -> {
              ctx.logger().info("processing delivery {}", event.payload().deliveryId());
              return null;
            });
    // end::retention[]
    return webhooks;
  }

  /** Refreshes nobody looks back at: not kept at all once they completed. */
  public static Task<Refresh, Void> cacheRefresh(Conductor<?> conductor) {
    // tag::immediately[]
    Task<Refresh, Void> refresh =
        conductor.createTask(
            TaskOptions.of(REFRESH_CACHE).removeOnComplete(Retention.immediately()),
            Trigger.invocable(),
            (event, ctx) -> null);
    // end::immediately[]
    return refresh;
  }

  /** Logs what each maintenance run removed. */
  // tag::listener[]
  public static final class MaintenanceLog implements ConductorListener {
    private static final Logger LOG = LoggerFactory.getLogger(MaintenanceLog.class);

    @Override
    public void maintenanceCompleted(MaintenanceReport report) {
      LOG.info("queue {}: {} old executions removed", report.queue(), report.removed());
    }
  }

  // end::listener[]

  /** An operator clears a retired queue, once no orchestrator serves it. */
  public static long retire(Conductor<?> conductor) {
    // tag::drop[]
    MaintenanceReport now = conductor.runMaintenance("reports"); // today's run, now
    long removed = conductor.dropQueue("legacy-imports"); // every execution of the queue
    // end::drop[]
    return now.removed() + removed;
  }
}
