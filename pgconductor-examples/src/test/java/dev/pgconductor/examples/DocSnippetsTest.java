package dev.pgconductor.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Keeps the Java code in the docs equal to the example sources it is taken from. In a Markdown
 * file, {@code <!-- snippet: guide/GettingStarted.java#task -->} before a {@code ```java} block
 * says that the block is the region between {@code // tag::task[]} and {@code // end::task[]} of
 * {@code pgconductor-examples/src/main/java/dev/pgconductor/examples/guide/GettingStarted.java},
 * compared line by line after removing the common indentation. Paths are looked up under {@code
 * dev/pgconductor/examples} of this module and of the Spring Boot example ({@code
 * spring/ExampleApplication.java}). Every Java block in the docs and the README must carry such a
 * marker, and every tagged region must be used somewhere.
 */
class DocSnippetsTest {
  private static final Pattern MARKER =
      Pattern.compile("^\\s*<!--\\s*snippet:\\s*([\\w./-]+)#([\\w-]+)\\s*-->\\s*$");
  private static final Pattern TAG = Pattern.compile("//\\s*(tag|end)::([\\w-]+)\\[]");
  private static final String SOURCES =
      "pgconductor-examples/src/main/java/dev/pgconductor/examples";
  private static final String TEST_SOURCES =
      "pgconductor-examples/src/test/java/dev/pgconductor/examples";
  private static final String TEST_PREFIX = "tests/";

  /** Where snippets come from: this module's examples, then the Spring Boot example's. */
  private static final List<String> SOURCE_ROOTS =
      List.of(SOURCES, "pgconductor-spring-boot-example/src/main/java/dev/pgconductor/examples");

  private final Path root = projectRoot();

  /** A Java block of a Markdown file and the tagged region it claims to show. */
  record Snippet(Path doc, int line, String source, String tag, List<String> code) {
    String name() {
      return doc.getFileName() + ":" + line + " <- " + source + "#" + tag;
    }
  }

  @TestFactory
  Stream<DynamicTest> everySnippetEqualsItsTaggedRegion() {
    return snippets().stream()
        .map(
            s ->
                DynamicTest.dynamicTest(
                    s.name(),
                    () ->
                        assertThat(normalize(s.code()))
                            .as("%s differs from the tagged region; update the doc", s.name())
                            .containsExactlyElementsOf(
                                normalize(region(read(sourceFile(s.source())), s.tag())))));
  }

  @Test
  void everyTaggedRegionIsShownInTheDocs() throws IOException {
    Set<String> used = new HashSet<>();
    snippets().forEach(s -> used.add(s.source() + "#" + s.tag()));
    List<String> unused = new ArrayList<>();
    for (String sourceRoot : SOURCE_ROOTS) {
      Path sources = root.resolve(sourceRoot);
      if (!Files.isDirectory(sources)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(sources)) {
        for (Path file : files.filter(p -> p.toString().endsWith(".java")).toList()) {
          String relative = sources.relativize(file).toString().replace('\\', '/');
          for (String line : read(file)) {
            Matcher m = TAG.matcher(line);
            if (m.find()
                && m.group(1).equals("tag")
                && !used.contains(relative + "#" + m.group(2))) {
              unused.add(relative + "#" + m.group(2));
            }
          }
        }
      }
    }
    assertThat(unused).as("tagged regions no doc shows").isEmpty();
  }

  @Test
  void theDocsHaveSnippets() {
    assertThat(snippets()).hasSizeGreaterThan(10);
  }

  @Test
  void driftIsReported() {
    List<String> source =
        List.of(
            "class A {",
            "  void f() {",
            "    // tag::x[]",
            "    int a = 1;",
            "    // tag::inner[]",
            "    int b = 2;",
            "    // end::inner[]",
            "    // end::x[]",
            "  }",
            "}");
    assertThat(normalize(region(source, "x"))).containsExactly("int a = 1;", "int b = 2;");
    assertThat(normalize(List.of("  int a = 1;", "  int b = 3;")))
        .isNotEqualTo(normalize(region(source, "x")));
    assertThatThrownBy(() -> region(source, "missing")).hasMessageContaining("no region 'missing'");
    assertThatThrownBy(
            () ->
                parse(
                    Path.of("x.md"),
                    List.of(
                        "<!-- snippet: guide/A.java#x -->", "", "```kotlin", "val a = 1", "```")))
        .hasMessageContaining("must be followed by a ```java block");
    assertThatThrownBy(() -> parse(Path.of("x.md"), List.of("```java", "int a;", "```")))
        .hasMessageContaining("has no snippet marker");
  }

  private List<Snippet> snippets() {
    List<Path> docs = new ArrayList<>();
    docs.add(root.resolve("README.md"));
    try (Stream<Path> files = Files.list(root.resolve("docs"))) {
      files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Snippet> all = new ArrayList<>();
    for (Path doc : docs) {
      all.addAll(parse(root.relativize(doc), read(doc)));
    }
    return all;
  }

  /** The snippets of one Markdown file; a Java block without a marker is an error. */
  static List<Snippet> parse(Path doc, List<String> lines) {
    List<Snippet> found = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher marker = MARKER.matcher(lines.get(i));
      String line = lines.get(i).strip();
      if (marker.matches()) {
        int start = i + 1;
        while (start < lines.size() && lines.get(start).isBlank()) {
          start++;
        }
        if (start >= lines.size() || !lines.get(start).strip().equals("```java")) {
          throw new IllegalStateException(
              doc + ":" + (i + 1) + ": a snippet marker must be followed by a ```java block");
        }
        int end = closingFence(doc, lines, start);
        found.add(
            new Snippet(
                doc, start + 1, marker.group(1), marker.group(2), lines.subList(start + 1, end)));
        i = end;
      } else if (line.startsWith("```java")) {
        throw new IllegalStateException(
            doc
                + ":"
                + (i + 1)
                + ": this ```java block has no snippet marker; take the code from"
                + " a tagged region of the examples and add <!-- snippet: FILE#TAG --> above it");
      } else if (line.startsWith("```")) {
        i = closingFence(doc, lines, i);
      }
    }
    return found;
  }

  private static int closingFence(Path doc, List<String> lines, int open) {
    for (int j = open + 1; j < lines.size(); j++) {
      if (lines.get(j).strip().equals("```")) {
        return j;
      }
    }
    throw new IllegalStateException(doc + ":" + (open + 1) + ": code block is never closed");
  }

  /** The lines between {@code // tag::NAME[]} and {@code // end::NAME[]}, other tags left out. */
  static List<String> region(List<String> source, String tag) {
    List<String> region = null;
    for (String line : source) {
      Matcher m = TAG.matcher(line);
      if (m.find()) {
        if (m.group(2).equals(tag)) {
          if (m.group(1).equals("tag")) {
            if (region != null) {
              throw new IllegalStateException("region '" + tag + "' opens twice");
            }
            region = new ArrayList<>();
          } else if (region != null) {
            return region;
          }
        }
        continue;
      }
      if (region != null) {
        region.add(line);
      }
    }
    throw new IllegalStateException(
        region == null ? "no region '" + tag + "'" : "region '" + tag + "' is never closed");
  }

  /** Without trailing spaces, leading and trailing blank lines, and common indentation. */
  static List<String> normalize(List<String> lines) {
    List<String> stripped = lines.stream().map(String::stripTrailing).toList();
    int from = 0;
    int to = stripped.size();
    while (from < to && stripped.get(from).isEmpty()) {
      from++;
    }
    while (to > from && stripped.get(to - 1).isEmpty()) {
      to--;
    }
    List<String> body = stripped.subList(from, to);
    int indent =
        body.stream()
            .filter(l -> !l.isEmpty())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    return body.stream().map(l -> l.isEmpty() ? l : l.substring(indent)).toList();
  }

  private Path sourceFile(String relative) {
    // "tests/X.java": a test of the examples (the testing guide shows tests); else the first
    // source root that has the file
    Path file =
        relative.startsWith(TEST_PREFIX)
            ? root.resolve(TEST_SOURCES).resolve(relative.substring(TEST_PREFIX.length()))
            : SOURCE_ROOTS.stream()
                .map(r -> root.resolve(r).resolve(relative))
                .filter(Files::exists)
                .findFirst()
                .orElse(root.resolve(SOURCES).resolve(relative));
    assertThat(file).as("source of a snippet").exists();
    return file;
  }

  private static List<String> read(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The repository root: the nearest directory up from here with docs/ and the examples. */
  private static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.isDirectory(dir.resolve("docs")) && Files.isDirectory(dir.resolve(SOURCES))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException(
        "cannot find the repository root above " + Path.of("").toAbsolutePath());
  }
}
