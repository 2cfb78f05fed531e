package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The core jar is the named module {@code dev.pgconductor} and shows the world only the package
 * {@code dev.pgconductor}. The descriptor is read from the compiled classes (the directory or jar
 * that Conductor.class was loaded from). The build runs these tests on the module path, with the
 * tests patched into the module; {@link #testsRunInsideTheNamedModule} fails if that set-up is
 * lost.
 */
class ModuleDescriptorTest {
  private static final String MODULE = "dev.pgconductor";

  @Test
  void onlyThePublicApiPackageIsExportedAndNothingIsOpened() {
    ModuleDescriptor descriptor = builtDescriptor();

    assertThat(descriptor.name()).isEqualTo(MODULE);
    assertThat(descriptor.isOpen()).as("an open module opens every package").isFalse();
    assertThat(descriptor.exports().stream().map(e -> e.source() + " to " + e.targets()))
        .containsExactly("dev.pgconductor to []");
    assertThat(descriptor.opens()).isEmpty();
    // and there is something to hide: the engine's packages are in the module, unexported
    assertThat(descriptor.packages())
        .contains(
            "dev.pgconductor.internal",
            "dev.pgconductor.internal.db",
            "dev.pgconductor.internal.worker");
  }

  @Test
  void testsRunInsideTheNamedModule() {
    // The surefire/failsafe set-up puts the main classes on the module path and patches the tests
    // in; if that silently fell back to the class path, the encapsulation would go untested.
    Module module = Conductor.class.getModule();
    assertThat(module.isNamed()).isTrue();
    assertThat(module.getName()).isEqualTo(MODULE);
    assertThat(module.getDescriptor().exports().stream().map(ModuleDescriptor.Exports::source))
        .containsExactly("dev.pgconductor");
    assertThat(module.isExported("dev.pgconductor.internal")).isFalse();
    assertThat(module.isExported("dev.pgconductor.internal.worker")).isFalse();
  }

  /**
   * Every type in a public or protected signature of the exported package comes from java.base,
   * from pgconductor itself, or from a module that pgconductor {@code requires transitive} (or that
   * one of those does): otherwise a user's module compiles against pgconductor's API without being
   * able to name the types in it.
   */
  @Test
  void everyModuleInThePublicApiIsRequiredTransitively() {
    Module self = Conductor.class.getModule();
    Set<String> readable = transitiveClosure(self);
    readable.add("java.base");
    readable.add(MODULE);

    var offenders = new TreeMap<String, Set<String>>();
    for (Class<?> type : publicApiTypes()) {
      for (Class<?> used : typesInSignatures(type)) {
        String module = used.getModule().getName();
        if (!readable.contains(module)) {
          offenders.computeIfAbsent(module, m -> new TreeSet<>()).add(type.getName());
        }
      }
    }
    assertThat(offenders).as("modules in the API that are not requires transitive").isEmpty();
    assertThat(readable)
        .contains("java.sql", "org.slf4j", "com.fasterxml.jackson.databind")
        .doesNotContain("dev.pgconductor.internal", "com.zaxxer.hikari", "org.postgresql.jdbc");
  }

  private static ModuleDescriptor builtDescriptor() {
    return builtModule().descriptor();
  }

  /** The module in the directory or jar Conductor.class was loaded from. */
  private static ModuleReference builtModule() {
    Path location;
    try {
      location =
          Path.of(Conductor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    Set<ModuleReference> found = ModuleFinder.of(location).findAll();
    assertThat(found).as("modules found at %s", location).hasSize(1);
    return found.iterator().next();
  }

  private static Set<String> transitiveClosure(Module self) {
    Set<String> seen = new HashSet<>();
    Deque<ModuleDescriptor> todo = new ArrayDeque<>(Set.of(self.getDescriptor()));
    while (!todo.isEmpty()) {
      for (ModuleDescriptor.Requires r : todo.pop().requires()) {
        if (r.modifiers().contains(ModuleDescriptor.Requires.Modifier.TRANSITIVE)
            && seen.add(r.name())) {
          self.getLayer()
              .findModule(r.name())
              .map(Module::getDescriptor)
              .filter(d -> !d.isAutomatic())
              .ifPresent(todo::add);
        }
      }
    }
    return seen;
  }

  /** The public classes, nested ones included, of the exported package as built (tests aside). */
  private static Set<Class<?>> publicApiTypes() {
    Set<Class<?>> types = new HashSet<>();
    try (ModuleReader reader = builtModule().open()) {
      for (String name : reader.list().toList()) {
        if (name.startsWith("dev/pgconductor/")
            && name.indexOf('/', "dev/pgconductor/".length()) < 0
            && name.endsWith(".class")) {
          String className = name.substring(0, name.length() - ".class".length()).replace('/', '.');
          Class<?> type = Class.forName(className, false, Conductor.class.getClassLoader());
          if (isApi(type)) {
            types.add(type);
          }
        }
      }
    } catch (IOException | ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
    assertThat(types).contains(Conductor.class, Conductor.Builder.class, TaskContext.class);
    return types;
  }

  /** Public, and every class it is nested in is public too. */
  private static boolean isApi(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getDeclaringClass()) {
      if (!Modifier.isPublic(c.getModifiers())) {
        return false;
      }
    }
    return true;
  }

  private static Set<Class<?>> typesInSignatures(Class<?> type) {
    Set<Class<?>> used = new HashSet<>();
    Set<Type> visited = new HashSet<>();
    collect(type.getGenericSuperclass(), used, visited);
    for (Type i : type.getGenericInterfaces()) {
      collect(i, used, visited);
    }
    for (TypeVariable<?> v : type.getTypeParameters()) {
      collect(v, used, visited);
    }
    if (type.isRecord()) {
      for (RecordComponent c : type.getRecordComponents()) {
        collect(c.getGenericType(), used, visited);
      }
    }
    for (Field f : type.getDeclaredFields()) {
      if (visible(f.getModifiers())) {
        collect(f.getGenericType(), used, visited);
      }
    }
    for (Method m : type.getDeclaredMethods()) {
      if (visible(m.getModifiers()) && !m.isSynthetic()) {
        collect(m.getGenericReturnType(), used, visited);
        collectExecutable(m, used, visited);
      }
    }
    for (Constructor<?> c : type.getDeclaredConstructors()) {
      if (visible(c.getModifiers()) && !c.isSynthetic()) {
        collectExecutable(c, used, visited);
      }
    }
    used.remove(type);
    return used;
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static void collectExecutable(Executable e, Set<Class<?>> used, Set<Type> visited) {
    for (Type t : e.getGenericParameterTypes()) {
      collect(t, used, visited);
    }
    for (Type t : e.getGenericExceptionTypes()) {
      collect(t, used, visited);
    }
    for (TypeVariable<?> v : e.getTypeParameters()) {
      collect(v, used, visited);
    }
  }

  private static void collect(Type type, Set<Class<?>> used, Set<Type> visited) {
    if (type == null || !visited.add(type)) {
      return;
    }
    switch (type) {
      case Class<?> c when c.isArray() -> collect(c.getComponentType(), used, visited);
      case Class<?> c when !c.isPrimitive() -> used.add(c);
      case Class<?> c -> {}
      case ParameterizedType p -> {
        collect(p.getRawType(), used, visited);
        collect(p.getOwnerType(), used, visited);
        for (Type a : p.getActualTypeArguments()) {
          collect(a, used, visited);
        }
      }
      case GenericArrayType a -> collect(a.getGenericComponentType(), used, visited);
      case WildcardType w -> {
        for (Type b : w.getUpperBounds()) {
          collect(b, used, visited);
        }
        for (Type b : w.getLowerBounds()) {
          collect(b, used, visited);
        }
      }
      case TypeVariable<?> v -> {
        for (Type b : v.getBounds()) {
          collect(b, used, visited);
        }
      }
      default -> throw new IllegalStateException("unexpected type " + type);
    }
  }
}
