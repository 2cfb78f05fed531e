package dev.pgconductor.internal.event;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;

/** Checks of event subscriptions, made when a task is created. */
public final class Subscriptions {
  private Subscriptions() {}

  /**
   * Whether {@code path} (such as {@code user.email}) names a field of the payload type, as Jackson
   * writes it. Below a map or a JSON tree any name is accepted.
   */
  public static boolean hasField(ObjectMapper mapper, Class<?> type, String path) {
    JavaType current = mapper.constructType(type);
    for (String name : path.split("\\.", -1)) {
      if (name.isEmpty()) {
        return false;
      }
      if (current.isMapLikeType() || JsonNode.class.isAssignableFrom(current.getRawClass())) {
        return true;
      }
      BeanDescription bean = mapper.getSerializationConfig().introspect(current);
      JavaType next = null;
      for (BeanPropertyDefinition property : bean.findProperties()) {
        if (property.getName().equals(name) && property.couldSerialize()) {
          next = property.getPrimaryType();
          break;
        }
      }
      if (next == null) {
        return false;
      }
      current = next;
    }
    return true;
  }

  /**
   * Refuses a condition that could be more than one SQL expression: a semicolon, a comment or a
   * dollar quote outside string literals and quoted identifiers, an escape string, or an
   * unterminated literal. What passes is checked by Postgres when the orchestrator registers the
   * subscription.
   *
   * @throws IllegalArgumentException saying what was found
   */
  public static void requireOneExpression(String condition) {
    char quote = 0; // ' or " while inside a literal or quoted identifier
    for (int i = 0; i < condition.length(); i++) {
      char c = condition.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          if (i + 1 < condition.length() && condition.charAt(i + 1) == quote) {
            i++; // a doubled quote stands for itself
          } else {
            quote = 0;
          }
        }
        continue;
      }
      switch (c) {
        case '\'', '"' -> {
          if (c == '\'' && escapeStringAt(condition, i)) {
            // in E'...' a backslash escapes a quote, which this check does not follow
            throw refused(condition, "an escape string (E'...')");
          }
          quote = c;
        }
        case ';' -> throw refused(condition, "a semicolon");
        case '$' -> throw refused(condition, "a dollar sign (dollar quoting)");
        case '-' -> {
          if (i + 1 < condition.length() && condition.charAt(i + 1) == '-') {
            throw refused(condition, "a comment (--)");
          }
        }
        case '/' -> {
          if (i + 1 < condition.length() && condition.charAt(i + 1) == '*') {
            throw refused(condition, "a comment (/*)");
          }
        }
        default -> {}
      }
    }
    if (quote != 0) {
      throw refused(condition, "an unterminated quote");
    }
  }

  /** Whether the quote at {@code i} opens an escape string: E'...' (E not ending a word). */
  private static boolean escapeStringAt(String condition, int i) {
    if (i == 0 || Character.toUpperCase(condition.charAt(i - 1)) != 'E') {
      return false;
    }
    return i == 1
        || !(Character.isLetterOrDigit(condition.charAt(i - 2)) || condition.charAt(i - 2) == '_');
  }

  private static IllegalArgumentException refused(String condition, String what) {
    return new IllegalArgumentException(
        "the condition \""
            + condition
            + "\" contains "
            + what
            + "; it must be one boolean SQL expression over payload");
  }
}
