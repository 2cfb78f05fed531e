package dev.pgconductor.spring;

import dev.pgconductor.Conductor;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** A task of the tests, declared the way the docs tell Spring users to. */
@Configuration(proxyBeanMethods = false)
public class Greetings {
  /** The payload. */
  public record Greet(String name) {}

  /** The definition. */
  public static final TaskDefinition<Greet, String> GREET =
      TaskDefinition.of("greet", Greet.class, String.class);

  @Bean
  TaskSchemas taskSchemas() {
    return TaskSchemas.of(GREET);
  }

  @Bean
  Task<Greet, String> greet(Conductor<?> conductor) {
    return conductor.createTask(
        TaskOptions.of(GREET),
        Trigger.invocable(),
        (event, ctx) -> "Hello, " + event.payload().name());
  }
}
