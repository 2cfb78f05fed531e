package dev.pgconductor.cli.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Compiles generated sources with javac and loads the classes, for the tests. */
final class GeneratedCode {
  private GeneratedCode() {}

  /**
   * Compiles every .java file under {@code sources} into {@code classes} with warnings and doc
   * comment checks as errors, and returns a class loader on the result (its parent is the test's,
   * so Jackson is shared).
   */
  static ClassLoader compile(Path sources, Path classes) {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> files;
    try (Stream<Path> walk = Files.walk(sources)) {
      files = walk.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(files).isNotEmpty();
    String classpath =
        Stream.of(JsonProperty.class, JsonNode.class, JsonParser.class)
            .map(GeneratedCode::location)
            .distinct()
            .collect(Collectors.joining(java.io.File.pathSeparator));
    StringWriter diagnostics = new StringWriter();
    var task =
        javac.getTask(
            diagnostics,
            javac.getStandardFileManager(null, null, java.nio.charset.StandardCharsets.UTF_8),
            null,
            List.of(
                "--release",
                "21",
                "-encoding",
                "UTF-8",
                "-Xlint:all",
                "-Xdoclint:all",
                "-Werror",
                "-classpath",
                classpath,
                "-d",
                classes.toString()),
            null,
            javac
                .getStandardFileManager(null, null, java.nio.charset.StandardCharsets.UTF_8)
                .getJavaFileObjectsFromStrings(files));
    boolean ok = task.call();
    assertThat(ok).as("javac:\n" + diagnostics).isTrue();
    assertThat(diagnostics.toString()).as("javac output").isEmpty();
    try {
      return new URLClassLoader(
          new URL[] {classes.toUri().toURL()}, GeneratedCode.class.getClassLoader());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String location(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The record's components by name, with their generic types as text. */
  static Map<String, String> componentTypes(Class<?> record) {
    return Stream.of(record.getRecordComponents())
        .collect(
            Collectors.toMap(
                RecordComponent::getName,
                c -> c.getGenericType().getTypeName(),
                (a, b) -> a,
                java.util.LinkedHashMap::new));
  }

  /** The record's component values by name. */
  static Map<String, Object> values(Object record) {
    return Stream.of(record.getClass().getRecordComponents())
        .collect(
            java.util.LinkedHashMap::new,
            (map, c) -> {
              try {
                map.put(c.getName(), c.getAccessor().invoke(record));
              } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
              }
            },
            Map::putAll);
  }

  static Function<String, Class<?>> loader(ClassLoader loader, String packageName) {
    return simpleName -> {
      try {
        return Class.forName(packageName + "." + simpleName, true, loader);
      } catch (ClassNotFoundException e) {
        throw new AssertionError("no generated class " + simpleName, e);
      }
    };
  }
}
