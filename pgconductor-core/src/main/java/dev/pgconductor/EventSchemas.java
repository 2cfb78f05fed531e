package dev.pgconductor;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The set of event definitions a {@link Conductor} knows, by name. Names must be unique. */
public final class EventSchemas {
  private final Map<String, EventDefinition<?>> byName;

  private EventSchemas(Map<String, EventDefinition<?>> byName) {
    this.byName = byName;
  }

  /** The given definitions; a name that appears twice is an error. */
  public static EventSchemas of(EventDefinition<?>... definitions) {
    return of(List.of(definitions));
  }

  /** The given definitions; a name that appears twice is an error. */
  public static EventSchemas of(Collection<? extends EventDefinition<?>> definitions) {
    Map<String, EventDefinition<?>> map = new LinkedHashMap<>();
    for (EventDefinition<?> definition : definitions) {
      if (map.putIfAbsent(definition.name(), definition) != null) {
        throw new IllegalArgumentException(
            "event '" + definition.name() + "' is defined twice in EventSchemas");
      }
    }
    return new EventSchemas(Map.copyOf(map));
  }

  /** No definitions. */
  public static EventSchemas empty() {
    return new EventSchemas(Map.of());
  }

  /** The definition with this name, if any. */
  public Optional<EventDefinition<?>> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** All definitions. */
  public Collection<EventDefinition<?>> all() {
    return byName.values();
  }

  /** Whether exactly this definition (name and type) is part of the set. */
  public boolean contains(EventDefinition<?> definition) {
    return definition.equals(byName.get(definition.name()));
  }
}
