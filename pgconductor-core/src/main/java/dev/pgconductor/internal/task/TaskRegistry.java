package dev.pgconductor.internal.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.pgconductor.InvalidPayloadException;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskNotInvocableException;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.UnknownTaskException;
import dev.pgconductor.internal.json.JsonCodec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The task definitions a Conductor knows and the handlers registered with it: checks that a task is
 * defined and may be invoked, and turns payloads into validated JSON.
 */
public final class TaskRegistry {
  private final TaskSchemas schemas;
  private final JsonCodec json;
  private final PayloadValidator validator = new PayloadValidator();
  private final Map<String, Task<?, ?>> registered = new ConcurrentHashMap<>();

  public TaskRegistry(TaskSchemas schemas, JsonCodec json) {
    this.schemas = schemas;
    this.json = json;
  }

  public TaskSchemas schemas() {
    return schemas;
  }

  /** Remembers a handler; a second handler for the same task name is an error. */
  public void register(Task<?, ?> task) {
    Task<?, ?> previous = registered.putIfAbsent(task.name(), task);
    if (previous != null) {
      throw new IllegalArgumentException(
          "a handler for task '" + task.name() + "' is already registered with this Conductor");
    }
  }

  /** The handler registered for a task name, if any. */
  public Optional<Task<?, ?>> registered(String name) {
    return Optional.ofNullable(registered.get(name));
  }

  /** Throws {@link UnknownTaskException} unless this exact definition is in the schemas. */
  public void requireDefined(TaskDefinition<?, ?> definition) {
    if (schemas.contains(definition)) {
      return;
    }
    Optional<TaskDefinition<?, ?>> known = schemas.find(definition.name());
    if (known.isEmpty()) {
      throw new UnknownTaskException(
          definition.name(),
          "Unknown task '" + definition.name() + "': it is not in this Conductor's TaskSchemas");
    }
    throw new UnknownTaskException(
        definition.name(),
        "Task '"
            + definition.name()
            + "' does not match its definition in TaskSchemas: given "
            + describe(definition)
            + ", defined "
            + describe(known.get()));
  }

  /**
   * Throws {@link TaskNotInvocableException} when the task's handler here was registered without an
   * invocable trigger (a handler registered elsewhere is checked by the database).
   */
  public void requireInvocable(TaskDefinition<?, ?> definition) {
    Task<?, ?> task = registered.get(definition.name());
    if (task != null && !task.isInvocable()) {
      throw new TaskNotInvocableException(definition.name());
    }
  }

  /** Validates a payload and returns its JSON; nothing is written on failure. */
  public String payloadJson(TaskDefinition<?, ?> task, Object payload) {
    validator.validate(task.name(), task.payloadType(), payload);
    try {
      String text = json.write(payload);
      PayloadValidator.requireStorable(task.name(), text);
      return text;
    } catch (JsonProcessingException e) {
      throw new InvalidPayloadException(
          task.name(), List.of("cannot be written as JSON: " + e.getOriginalMessage()), e);
    }
  }

  private static String describe(TaskDefinition<?, ?> d) {
    return "(payload "
        + d.payloadType().getSimpleName()
        + ", result "
        + d.resultType().getSimpleName()
        + ", queue '"
        + d.queue()
        + "')";
  }
}
