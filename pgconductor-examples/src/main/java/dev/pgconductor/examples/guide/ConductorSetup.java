package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.InvalidPayloadException;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskNotInvocableException;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.UnknownTaskException;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/** The code of docs/conductor.md: building a Conductor, custom context, and invoke errors. */
public final class ConductorSetup {
  private ConductorSetup() {}

  // tag::context-type[]
  /** Something handlers need from the application. */
  public interface Mailer {
    void send(String to, String subject, String body);
  }

  /** The custom context: whatever the application hands to every handler. */
  public record App(Mailer mailer) {}

  // end::context-type[]

  // tag::welcome-definition[]
  /** A welcome mail: the constraints are checked on every invoke. */
  public record Welcome(@Email String to, @NotBlank String name) {}

  public static final TaskDefinition<Welcome, Void> WELCOME =
      TaskDefinition.of("send-welcome", Welcome.class);

  // end::welcome-definition[]

  /** A Conductor that creates and owns its connection pool. */
  public static Conductor<App> fromConnectionString(String url, Mailer mailer) {
    // tag::connection-string[]
    Conductor<App> conductor =
        Conductor.builder()
            .connectionString(url) // postgres://user:secret@db:5432/app or jdbc:postgresql://…
            .poolSize(10) // the pool it creates; conductor.close() closes it
            .tasks(TaskSchemas.of(WELCOME))
            .context(new App(mailer))
            .build();
    // end::connection-string[]
    return conductor;
  }

  /** A Conductor on the application's own pool, with its own logger and clock. */
  public static Conductor<App> fromDataSource(DataSource dataSource, App app, Clock clock) {
    // tag::data-source[]
    Conductor<App> conductor =
        Conductor.builder()
            .dataSource(dataSource) // the application's pool; the Conductor never closes it
            .tasks(TaskSchemas.of(WELCOME))
            .context(app)
            .logger(LoggerFactory.getLogger("app.tasks")) // where ctx.logger() lines go
            .clock(clock) // tests only: decides what is due; default is the database clock
            .build();
    // end::data-source[]
    return conductor;
  }

  /** The welcome task, using the custom context. */
  public static Task<Welcome, Void> welcomeTask(Conductor<App> conductor) {
    // tag::context-use[]
    Task<Welcome, Void> welcome =
        conductor.createTask(
            TaskOptions.of(WELCOME),
            Trigger.invocable(),
            (event, ctx) -> {
              Welcome w = event.payload();
              ctx.context().mailer().send(w.to(), "Welcome", "Hello " + w.name());
              ctx.logger().info("welcome mail sent on attempt {}", ctx.attempt());
              return null;
            });
    // end::context-use[]
    return welcome;
  }

  /** What an invalid payload is told, one line per problem. */
  public static List<String> invalidPayload(Conductor<App> conductor) {
    // tag::invalid-payload[]
    try {
      conductor.invoke(WELCOME, new Welcome("not an address", ""));
    } catch (InvalidPayloadException e) {
      // nothing was written; e.violations() lists the problems:
      // [name: must not be blank, to: must be a well-formed email address]
      return e.violations();
    }
    // end::invalid-payload[]
    return List.of();
  }

  /** What invoking a task that is not in the TaskSchemas, or not invocable, looks like. */
  public static String unknownTask(Conductor<App> conductor) {
    // tag::unknown-task[]
    TaskDefinition<Welcome, Void> typo = TaskDefinition.of("send-welcom", Welcome.class);
    try {
      conductor.invoke(typo, new Welcome("ada@example.com", "Ada"));
    } catch (UnknownTaskException e) {
      // Unknown task 'send-welcom': it is not in this Conductor's TaskSchemas
      return e.getMessage();
    } catch (TaskNotInvocableException e) {
      // the task is registered without Trigger.invocable()
      return e.getMessage();
    }
    // end::unknown-task[]
    return "";
  }
}
