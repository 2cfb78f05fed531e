package dev.pgconductor.internal.event;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import dev.pgconductor.internal.sql.SqlExpressions;
import java.util.ArrayList;
import java.util.List;

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
   * The field paths a projection type selects: each serializable property by its JSON name, and
   * below a property whose type is itself a bean (a record or a class Jackson reads by its
   * properties), that type's paths. Values Jackson writes as scalars, arrays, collections, maps and
   * JSON trees end a path.
   *
   * @throws IllegalArgumentException if the type has no property, or nests itself
   */
  public static List<String> projectionPaths(ObjectMapper mapper, Class<?> projection) {
    List<String> paths = new ArrayList<>();
    collect(mapper, mapper.constructType(projection), "", paths, new ArrayList<>());
    if (paths.isEmpty()) {
      throw new IllegalArgumentException(
          projection.getName() + " has no properties to select as fields");
    }
    return paths;
  }

  private static void collect(
      ObjectMapper mapper, JavaType type, String prefix, List<String> paths, List<JavaType> seen) {
    if (seen.contains(type)) {
      throw new IllegalArgumentException(
          "the projection type " + type.getRawClass().getName() + " contains itself");
    }
    seen.add(type);
    BeanDescription bean = mapper.getSerializationConfig().introspect(type);
    for (BeanPropertyDefinition property : bean.findProperties()) {
      if (!property.couldSerialize()) {
        continue;
      }
      String path = prefix + property.getName();
      JavaType child = property.getPrimaryType();
      if (isBean(mapper, child)) {
        collect(mapper, child, path + ".", paths, seen);
      } else {
        paths.add(path);
      }
    }
    seen.remove(seen.size() - 1);
  }

  /** Whether Jackson writes values of this type as an object of its properties. */
  private static boolean isBean(ObjectMapper mapper, JavaType type) {
    Class<?> raw = type.getRawClass();
    if (type.isContainerType()
        || type.isPrimitive()
        || type.isEnumType()
        || raw.isArray()
        || raw == Object.class
        || JsonNode.class.isAssignableFrom(raw)
        || raw.getName().startsWith("java.")
        || raw.getName().startsWith("javax.")) {
      return false;
    }
    return !mapper.getSerializationConfig().introspect(type).findProperties().isEmpty();
  }

  /**
   * Refuses a condition that could be more than one SQL expression; see {@link
   * SqlExpressions#requireOneExpression}.
   */
  public static void requireOneExpression(String condition) {
    SqlExpressions.requireOneExpression(condition, "payload");
  }
}
