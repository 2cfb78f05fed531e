package dev.pgconductor;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;

/**
 * A type token for generic step results, e.g. {@code new TypeRef<List<Order>>() {}}, so a memoized
 * value comes back with its full type.
 *
 * @param <T> the type captured
 */
public abstract class TypeRef<T> {
  private final Type type;

  protected TypeRef() {
    Type superclass = getClass().getGenericSuperclass();
    if (!(superclass instanceof ParameterizedType parameterized)) {
      throw new IllegalStateException(
          "TypeRef must be created with a type argument, e.g. new TypeRef<List<String>>() {}");
    }
    this.type = parameterized.getActualTypeArguments()[0];
  }

  /** The captured type. */
  public Type type() {
    return type;
  }

  @Override
  public String toString() {
    return "TypeRef<" + type.getTypeName() + ">";
  }
}
