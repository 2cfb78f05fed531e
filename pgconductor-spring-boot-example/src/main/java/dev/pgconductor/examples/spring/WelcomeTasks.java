package dev.pgconductor.examples.spring;

import dev.pgconductor.Conductor;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import jakarta.validation.constraints.NotBlank;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The application's task: its definition, known to the Conductor, and its handler, a Task bean. */
@Configuration(proxyBeanMethods = false)
public class WelcomeTasks {

  // tag::definitions[]
  /** The payload of a welcome mail. */
  public record Welcome(@NotBlank String userId, @NotBlank String email) {}

  /** The task, on the queue "mail" (configured by pgconductor.workers.mail.*). */
  public static final TaskDefinition<Welcome, Void> WELCOME =
      TaskDefinition.of("send-welcome", Welcome.class).onQueue("mail");

  /** The definitions the auto-configured Conductor knows. */
  @Bean
  TaskSchemas taskSchemas() {
    return TaskSchemas.of(WELCOME);
  }

  // end::definitions[]

  // tag::task-bean[]
  /** The handler; the starter's orchestrator runs every Task bean. */
  @Bean
  Task<Welcome, Void> sendWelcome(Conductor<?> conductor, Mailer mailer) {
    return conductor.createTask(
        TaskOptions.of(WELCOME).maxAttempts(5),
        Trigger.invocable(),
        (event, ctx) -> {
          Welcome welcome = event.payload();
          ctx.step("send", () -> mailer.send(welcome.email(), "Welcome, " + welcome.userId()));
          return null;
        });
  }
  // end::task-bean[]
}
