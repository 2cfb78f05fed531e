package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.EventDefinition;
import dev.pgconductor.EventSchemas;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;

/** The code of docs/events.md: an event, its subscribers, and emitting it. */
public final class EventExamples {
  private EventExamples() {}

  // tag::definitions[]
  public record Account(String email, String country) {}

  public record SignedUp(String userId, String plan, Account account) {}

  public static final EventDefinition<SignedUp> SIGNED_UP =
      EventDefinition.of("user.signed-up", SignedUp.class);

  // a task may take the whole event as its payload...
  public static final TaskDefinition<SignedUp, Void> WELCOME =
      TaskDefinition.of("send-welcome", SignedUp.class);

  // ...or only the fields it selects, in a type of its own
  public record PlanChange(String plan, Account account) {}

  public static final TaskDefinition<PlanChange, Void> BILLING =
      TaskDefinition.of("open-billing-account", PlanChange.class);

  // end::definitions[]

  /** The services that send mail and bill. */
  public interface Services {
    void welcome(String userId);

    void openBillingAccount(String plan, String email);
  }

  /** A Conductor that knows the event and both tasks. */
  public static Conductor<Void> conductor(String url) {
    // tag::conductor[]
    Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url)
            .tasks(TaskSchemas.of(WELCOME, BILLING))
            .events(EventSchemas.of(SIGNED_UP))
            .build();
    // end::conductor[]
    return conductor;
  }

  /** Two tasks subscribed to one event. */
  public static Task<?, ?>[] subscribers(Conductor<?> conductor, Services services) {
    // tag::subscribers[]
    Task<SignedUp, Void> welcome =
        conductor.createTask(
            TaskOptions.of(WELCOME),
            Trigger.event(SIGNED_UP),
            (event, ctx) -> {
              services.welcome(event.payload().userId());
              return null;
            });
    Task<PlanChange, Void> billing =
        conductor.createTask(
            TaskOptions.of(BILLING),
            Trigger.event(SIGNED_UP)
                .fields("plan", "account.email") // the handler gets only these
                .when("payload->>'plan' <> 'free'"), // and only for paying users
            (event, ctx) -> {
              PlanChange change = event.payload();
              services.openBillingAccount(change.plan(), change.account().email());
              return null;
            });
    // end::subscribers[]
    return new Task<?, ?>[] {welcome, billing};
  }

  /** Sign-up code: one emit, two executions. */
  public static String signUp(Conductor<?> conductor, String userId, String plan, String email) {
    // tag::emit[]
    String eventId =
        conductor.emit(SIGNED_UP, new SignedUp(userId, plan, new Account(email, "FR")));
    // end::emit[]
    return eventId;
  }
}
