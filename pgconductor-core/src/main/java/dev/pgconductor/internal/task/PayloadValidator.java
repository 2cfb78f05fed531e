package dev.pgconductor.internal.task;

import dev.pgconductor.InvalidPayloadException;
import dev.pgconductor.internal.json.JsonCodec;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hibernate.validator.messageinterpolation.ParameterMessageInterpolator;

/**
 * Checks payloads before anything is written: the runtime type against the definition, then Jakarta
 * Bean Validation constraints when the type declares any.
 */
public final class PayloadValidator {
  private static final class Holder {
    // Built on first use; the parameter interpolator avoids needing an EL implementation.
    static final ValidatorFactory FACTORY =
        Validation.byDefaultProvider()
            .configure()
            .messageInterpolator(new ParameterMessageInterpolator())
            .buildValidatorFactory();
  }

  private final Map<Class<?>, Boolean> constrained = new ConcurrentHashMap<>();

  public void validate(String task, Class<?> type, Object payload) {
    if (payload == null) {
      if (type != Void.class) {
        throw new InvalidPayloadException(
            task, List.of("payload is null; expected " + type.getName()), null);
      }
      return;
    }
    if (!type.isInstance(payload)) {
      throw new InvalidPayloadException(
          task,
          List.of("payload is a " + payload.getClass().getName() + "; expected " + type.getName()),
          null);
    }
    if (!constrained.computeIfAbsent(type, PayloadValidator::hasConstraints)) {
      return;
    }
    Validator validator = Holder.FACTORY.getValidator();
    Set<ConstraintViolation<Object>> violations = validator.validate(payload);
    if (!violations.isEmpty()) {
      List<String> messages =
          violations.stream()
              .sorted(Comparator.comparing(v -> v.getPropertyPath().toString()))
              .map(v -> v.getPropertyPath() + ": " + v.getMessage())
              .toList();
      throw new InvalidPayloadException(task, messages, null);
    }
  }

  /**
   * Rejects payload JSON that Postgres cannot store: jsonb refuses the NUL character (the escape
   * backslash-u0000), whatever its place in the document, and values over 256 MiB.
   */
  public static void requireStorable(String task, String json) {
    if (JsonCodec.containsNul(json)) {
      throw new InvalidPayloadException(
          task,
          List.of("contains the character U+0000 (NUL), which Postgres cannot store in jsonb"),
          null);
    }
    if (json.length() > JsonCodec.MAX_JSON_LENGTH) {
      throw new InvalidPayloadException(task, List.of(JsonCodec.tooLarge(json.length())), null);
    }
  }

  private static boolean hasConstraints(Class<?> type) {
    return Holder.FACTORY.getValidator().getConstraintsForClass(type).isBeanConstrained();
  }
}
