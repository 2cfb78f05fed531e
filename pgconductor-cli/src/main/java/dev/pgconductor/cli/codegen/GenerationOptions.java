package dev.pgconductor.cli.codegen;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@link RecordGenerator} generates, and where.
 *
 * @param schemas the schemas whose tables and views get a record; the first one listed keeps the
 *     plain name when two schemas have a table of the same name
 * @param packageName the Java package of the generated types, such as {@code com.acme.db}
 * @param outputDirectory the source root to write into (the package's directories are created below
 *     it), such as {@code src/main/java}
 * @param tables only these tables and views ({@code name} or {@code schema.name}); empty for all
 * @param singularize name a record after the singular of its table ({@code contacts} → {@code
 *     Contact}); false keeps the table's name ({@code Contacts})
 * @param clean delete the files of an earlier generation in the package that this one did not write
 *     (only files that carry the generator's header)
 */
public record GenerationOptions(
    List<String> schemas,
    String packageName,
    Path outputDirectory,
    List<String> tables,
    boolean singularize,
    boolean clean) {

  /** Checks and copies the lists. */
  public GenerationOptions {
    Objects.requireNonNull(schemas, "schemas");
    Objects.requireNonNull(packageName, "packageName");
    Objects.requireNonNull(outputDirectory, "outputDirectory");
    schemas = List.copyOf(schemas);
    tables = tables == null ? List.of() : List.copyOf(tables);
    if (schemas.isEmpty()) {
      throw new CodegenException("name at least one schema");
    }
  }
}
