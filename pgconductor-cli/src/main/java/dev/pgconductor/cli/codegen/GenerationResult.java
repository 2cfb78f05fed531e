package dev.pgconductor.cli.codegen;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link RecordGenerator} wrote.
 *
 * @param directory the package's directory
 * @param types the generated types, in the order they were written
 * @param removed files of an earlier generation that were deleted ({@link
 *     GenerationOptions#clean()})
 */
public record GenerationResult(Path directory, List<GeneratedType> types, List<Path> removed) {

  /**
   * One generated Java type.
   *
   * @param name its simple name
   * @param kind {@code record} (a table or view), {@code enum} (a Postgres enum type) or {@code
   *     helper} (support code the records use)
   * @param source the table, view or type it was generated from ({@code schema.name}), or {@code
   *     null} for a helper
   * @param file the file it was written to
   */
  public record GeneratedType(String name, String kind, String source, Path file) {}
}
