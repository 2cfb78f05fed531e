package dev.pgconductor.internal.event;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import dev.pgconductor.internal.sql.SqlExpressions;

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
   * Refuses a condition that could be more than one SQL expression; see {@link
   * SqlExpressions#requireOneExpression}.
   */
  public static void requireOneExpression(String condition) {
    SqlExpressions.requireOneExpression(condition, "payload");
  }
}
