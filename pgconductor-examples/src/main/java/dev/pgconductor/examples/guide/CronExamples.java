package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskEvent;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

/** The code of docs/cron.md: cron triggers and dynamic schedules. */
public final class CronExamples {
  private CronExamples() {}

  /** A digest of what happened, for everyone or for one user. */
  public record Digest(String userId) {}

  public static final TaskDefinition<Digest, Integer> DIGEST =
      TaskDefinition.of("send-digest", Digest.class, Integer.class);

  /** Sends digests; returns how many mails went out. */
  public interface Mailer {
    int sendDigests(Instant since);

    int sendDigestTo(String userId);
  }

  /** The digest task: twice a day for everyone, and on the schedules users choose. */
  public static Task<Digest, Integer> digestTask(Conductor<?> conductor, Mailer mailer) {
    // tag::cron-trigger[]
    Task<Digest, Integer> digest =
        conductor.createTask(
            TaskOptions.of(DIGEST),
            List.of(
                Trigger.cron("0 9 * * MON-FRI", "morning", ZoneId.of("Europe/Paris")),
                Trigger.cron("0 17 * * MON-FRI", "evening", ZoneId.of("Europe/Paris")),
                Trigger.invocable()),
            (event, ctx) ->
                switch (event) {
                  case TaskEvent.Scheduled<Digest> s when s.payload() != null ->
                      mailer.sendDigestTo(s.payload().userId()); // a user's own schedule
                  case TaskEvent.Scheduled<Digest> s when s.name().equals("morning") ->
                      mailer.sendDigests(s.scheduledFor().minusSeconds(16 * 3600));
                  case TaskEvent.Scheduled<Digest> s -> // "evening"
                      mailer.sendDigests(s.scheduledFor().minusSeconds(8 * 3600));
                  case TaskEvent.Invoked<Digest> e -> mailer.sendDigestTo(e.payload().userId());
                  // no event or row change triggers this task
                  case TaskEvent.Emitted<Digest> e -> 0;
                  case TaskEvent.RowChanged<Digest> e -> 0;
                });
    // end::cron-trigger[]
    return digest;
  }

  /** A user picks a time for their digest, or turns it off. */
  public static void userPreferences(Conductor<?> conductor, String userId, String cron) {
    // tag::dynamic[]
    if (cron != null) {
      // one schedule per user: scheduling the same name again replaces it
      conductor.schedule(DIGEST, "user-" + userId, cron, new Digest(userId));
    } else {
      conductor.unschedule(DIGEST, "user-" + userId);
    }
    // end::dynamic[]
  }
}
