package dev.pgconductor;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The shared contract of a custom event: its name and payload type. Services that emit it and
 * services whose tasks subscribe to it depend on the same definition.
 *
 * <pre>{@code
 * static final EventDefinition<SignedUp> SIGNED_UP = EventDefinition.of("user.signed-up", SignedUp.class);
 * }</pre>
 *
 * @param name the event's name, unique within a database
 * @param payloadType the payload class; payloads are stored as JSON (Jackson)
 */
public record EventDefinition<P>(String name, Class<P> payloadType) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:\\-]{0,119}");

  public EventDefinition {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(payloadType, "payloadType");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "event name '"
              + name
              + "' must start with a letter or digit and contain only letters, digits, '_', '.',"
              + " ':' and '-' (at most 120 characters)");
    }
  }

  /** An event definition. */
  public static <P> EventDefinition<P> of(String name, Class<P> payloadType) {
    return new EventDefinition<>(name, payloadType);
  }
}
