package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.InvokeOptions;
import dev.pgconductor.TaskDefinition;
import java.time.Duration;
import java.util.Optional;

/** The code of docs/throttle-debounce.md. */
public final class FlowControlExamples {
  private FlowControlExamples() {}

  /** Warn the on-call engineer that a service is down. */
  public record Alert(String service, String message) {}

  /** Push a user's edited profile to the CRM. */
  public record SyncProfile(String userId, String displayName) {}

  public static final TaskDefinition<Alert, Void> PAGE_ON_CALL =
      TaskDefinition.of("page-on-call", Alert.class);
  public static final TaskDefinition<SyncProfile, Void> SYNC_PROFILE =
      TaskDefinition.of("sync-profile", SyncProfile.class);

  /** A health check failed: page at most once every 10 minutes per service. */
  public static Optional<String> serviceDown(Conductor<?> conductor, String service) {
    // tag::throttle[]
    Optional<String> paged =
        conductor.invoke(
            PAGE_ON_CALL,
            new Alert(service, "health check failed"),
            InvokeOptions.builder()
                .throttle(Duration.ofMinutes(10)) // the first of each 10 minutes runs
                .dedupeKey(service) // per service
                .build());
    // empty: this service's on-call was already paged in these 10 minutes
    // end::throttle[]
    return paged;
  }

  /** A user edited their profile: sync the last version once the edits settle. */
  public static String profileEdited(Conductor<?> conductor, String userId, String name) {
    // tag::debounce[]
    String id =
        conductor
            .invoke(
                SYNC_PROFILE,
                new SyncProfile(userId, name),
                InvokeOptions.builder()
                    .debounce(Duration.ofSeconds(30)) // the last edit of each 30 s wins
                    .dedupeKey("user-" + userId)
                    .build())
            .orElseThrow(); // a debounced invoke always answers, with the slot's execution
    // end::debounce[]
    return id;
  }
}
