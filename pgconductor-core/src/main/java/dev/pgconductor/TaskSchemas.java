package dev.pgconductor;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The set of task definitions a {@link Conductor} knows, by name. Names must be unique. */
public final class TaskSchemas {
  private final Map<String, TaskDefinition<?, ?>> byName;

  private TaskSchemas(Map<String, TaskDefinition<?, ?>> byName) {
    this.byName = byName;
  }

  /** The given definitions; a name that appears twice is an error. */
  public static TaskSchemas of(TaskDefinition<?, ?>... definitions) {
    return of(List.of(definitions));
  }

  /** The given definitions; a name that appears twice is an error. */
  public static TaskSchemas of(Collection<? extends TaskDefinition<?, ?>> definitions) {
    Map<String, TaskDefinition<?, ?>> map = new LinkedHashMap<>();
    for (TaskDefinition<?, ?> definition : definitions) {
      TaskDefinition<?, ?> previous = map.putIfAbsent(definition.name(), definition);
      if (previous != null) {
        throw new IllegalArgumentException(
            "task '" + definition.name() + "' is defined twice in TaskSchemas");
      }
    }
    return new TaskSchemas(Map.copyOf(map));
  }

  /** No definitions. */
  public static TaskSchemas empty() {
    return new TaskSchemas(Map.of());
  }

  /** The definition with this name, if any. */
  public Optional<TaskDefinition<?, ?>> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** All definitions. */
  public Collection<TaskDefinition<?, ?>> all() {
    return byName.values();
  }

  /** Whether exactly this definition (name, types and queue) is part of the set. */
  public boolean contains(TaskDefinition<?, ?> definition) {
    return definition.equals(byName.get(definition.name()));
  }
}
