package dev.pgconductor.examples.guide;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pgconductor.Conductor;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskEvent;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import java.time.Instant;

/** The code of docs/row-triggers.md: tasks that run when rows of public.contacts change. */
public final class RowTriggerExamples {
  private RowTriggerExamples() {}

  // tag::definitions[]
  /** The columns of public.contacts the welcome reads, named as in the table. */
  public record NewContact(long id, String email) {}

  public static final TaskDefinition<NewContact, Void> WELCOME_CONTACT =
      TaskDefinition.of("welcome-contact", NewContact.class);

  public static final TaskDefinition<JsonNode, Void> SYNC_CRM =
      TaskDefinition.of("sync-crm-email", JsonNode.class);

  // end::definitions[]

  // tag::record[]
  /** A row of public.contacts, as `pgconductor gen records` writes it. */
  public record Contact(
      @JsonProperty("id") long id,
      @JsonProperty("email") String email,
      @JsonProperty("subscribed") boolean subscribed,
      @JsonProperty("created_at") Instant createdAt) {}

  // end::record[]

  /** The table the examples subscribe to. */
  public static final String CONTACTS_TABLE =
      """
      create table public.contacts (
        id bigint primary key, email text not null, subscribed boolean not null default true,
        created_at timestamptz not null default now())""";

  /** What the tasks call. */
  public interface Services {
    void welcome(String email);

    void emailChanged(long contactId, String from, String to);
  }

  /** A task on inserts of subscribed contacts, and one on changed email addresses. */
  public static Task<?, ?>[] tasks(Conductor<?> conductor, Services services) {
    // tag::insert[]
    Task<NewContact, Void> welcome =
        conductor.createTask(
            TaskOptions.of(WELCOME_CONTACT),
            Trigger.onInsert("public", "contacts")
                .columns("id", "email") // the row holds only these
                .when("new.subscribed"), // and only subscribed contacts start the task
            (event, ctx) -> {
              services.welcome(event.payload().email()); // the new row as the payload type
              return null;
            });
    // end::insert[]
    // tag::update[]
    Task<JsonNode, Void> syncCrm =
        conductor.createTask(
            TaskOptions.of(SYNC_CRM),
            Trigger.onUpdate("public", "contacts").when("new.email is distinct from old.email"),
            (event, ctx) -> {
              var change = (TaskEvent.RowChanged<JsonNode>) event;
              Contact before = change.oldRow(Contact.class);
              Contact after = change.newRow(Contact.class);
              services.emailChanged(after.id(), before.email(), after.email());
              return null;
            });
    // end::update[]
    return new Task<?, ?>[] {welcome, syncCrm};
  }
}
