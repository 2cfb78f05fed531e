package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keeps {@code docs/schema.md} equal to the schema that {@code ensureInstalled()} creates.
 *
 * <p>The doc is read as follows (fenced code blocks are skipped):
 *
 * <ul>
 *   <li>a {@code ##} or {@code ###} heading that starts with {@code `pgconductor.NAME`} documents
 *       NAME and must be followed, before the next heading, by one Markdown table: {@code | column
 *       | type | meaning |} for a table or view, {@code | value | meaning |} for an enum type; the
 *       first two cells of each row are read, without their backticks;
 *   <li>in the section whose {@code ##} heading starts with "Internal", every {@code
 *       `pgconductor.NAME`} (a relation, type or function, {@code *} matching any characters) and
 *       {@code `pgconductor.TABLE.COLUMN`} names something internal.
 * </ul>
 *
 * Documented relations must have exactly the catalog's columns, with the catalog's types; enum
 * types the catalog's values in order; every table, view and type of the schema that is not a
 * partition must be documented or listed as internal; and everything listed as internal must exist.
 */
class SchemaDocIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  private static final String DOC = "docs/schema.md";
  private static final Pattern NAMED_HEADING =
      Pattern.compile("^#{2,3}\\s+`pgconductor\\.([a-z_][a-z0-9_]*)`.*$");
  private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*)$");
  private static final Pattern INTERNAL_NAME = Pattern.compile("`pgconductor\\.([a-z0-9_*.]+)`");
  private static final Pattern CELL_SEPARATOR = Pattern.compile("(?<!\\\\)\\|");

  private static Doc doc;
  private static Catalog catalog;

  @BeforeAll
  static void readDocAndCatalog() {
    db.installSchema();
    doc = Doc.parse(read(projectRoot().resolve(DOC)));
    catalog = Catalog.read(db.dataSource());
  }

  @Test
  void theDocDocumentsTheTablesAndViewsUsersQuery() {
    assertThat(doc.relations().keySet())
        .as("tables and views documented in %s", DOC)
        .contains(
            "executions",
            "finished_executions",
            "all_executions",
            "steps",
            "orchestrators",
            "tasks",
            "queues",
            "schema_migrations");
    assertThat(doc.enums().keySet()).as("enum types documented in %s", DOC).contains("origin");
    assertThat(doc.internal()).as("names listed as internal in %s", DOC).isNotEmpty();
  }

  @Test
  void documentedTablesAndViewsHaveExactlyTheColumnsOfTheCatalog() {
    assertNoProblems(columnProblems(doc, catalog));
  }

  @Test
  void documentedColumnTypesAreTheCatalogTypes() {
    assertNoProblems(typeProblems(doc, catalog));
  }

  @Test
  void documentedEnumTypesHaveTheCatalogValuesInOrder() {
    assertNoProblems(enumProblems(doc, catalog));
  }

  @Test
  void everyTableViewAndTypeIsDocumentedOrListedAsInternal() {
    assertNoProblems(undocumentedProblems(doc, catalog));
  }

  @Test
  void everythingListedAsInternalExists() {
    assertNoProblems(internalProblems(doc, catalog));
  }

  @Test
  void aRemovedColumnAChangedTypeAndANewTableAreReported() {
    List<String> lines = new ArrayList<>(read(projectRoot().resolve(DOC)));
    int lease = indexOf(lines, "| `lease` |");
    lines.remove(lease);
    int priority = indexOf(lines, "| `priority` | `int` |");
    lines.set(priority, lines.get(priority).replace("| `int` |", "| `text` |"));
    Doc drifted = Doc.parse(lines);
    Catalog grown = catalog.withRelation("audit_log", Map.of("id", "uuid"));

    // contains, not containsExactly: drift of the real doc is reported by the tests above
    assertThat(columnProblems(drifted, grown))
        .anySatisfy(
            p ->
                assertThat(p)
                    .matches(
                        "docs/schema\\.md:\\d+: pgconductor\\.executions: column `lease`"
                            + " \\(integer\\) is in the database but not documented"));
    assertThat(typeProblems(drifted, grown))
        .anySatisfy(
            p ->
                assertThat(p)
                    .contains(
                        "column `priority` is documented as `text` but the database has"
                            + " `integer`"));
    assertThat(undocumentedProblems(drifted, grown))
        .contains(
            "table or view pgconductor.audit_log is neither documented in docs/schema.md nor"
                + " listed under Internal");
  }

  @Test
  void aNamedHeadingWithoutATableIsRefused() {
    assertThatThrownBy(() -> Doc.parse(List.of("## `pgconductor.things`", "", "No table.")))
        .hasMessageContaining(
            "docs/schema.md:1: `pgconductor.things` has no column or value table");
    assertThatThrownBy(
            () -> Doc.parse(List.of("## `pgconductor.things`", "", "| name | what |", "|---|---|")))
        .hasMessageContaining("docs/schema.md:3: unknown table header [name, what]");
  }

  // --- comparisons -------------------------------------------------------------------------

  static List<String> columnProblems(Doc doc, Catalog catalog) {
    List<String> problems = new ArrayList<>();
    for (DocRelation relation : doc.relations().values()) {
      String name = "pgconductor." + relation.name();
      Map<String, String> actual = catalog.columns().get(relation.name());
      if (actual == null) {
        problems.add(
            DOC
                + ":"
                + relation.line()
                + ": "
                + name
                + " is documented but is no table or view of the database");
        continue;
      }
      Set<String> documented = new LinkedHashSet<>();
      for (DocColumn column : relation.columns()) {
        if (!documented.add(column.name())) {
          problems.add(
              DOC + ":" + column.line() + ": " + name + ": column `" + column.name() + "` twice");
        } else if (!actual.containsKey(column.name())) {
          problems.add(
              DOC
                  + ":"
                  + column.line()
                  + ": "
                  + name
                  + ": column `"
                  + column.name()
                  + "` is documented but not in the database");
        }
      }
      actual.forEach(
          (column, type) -> {
            if (!documented.contains(column)) {
              problems.add(
                  DOC
                      + ":"
                      + relation.line()
                      + ": "
                      + name
                      + ": column `"
                      + column
                      + "` ("
                      + type
                      + ") is in the database but not documented");
            }
          });
    }
    return problems;
  }

  static List<String> typeProblems(Doc doc, Catalog catalog) {
    List<String> problems = new ArrayList<>();
    for (DocRelation relation : doc.relations().values()) {
      Map<String, String> actual = catalog.columns().get(relation.name());
      if (actual == null) {
        continue; // reported by columnProblems
      }
      for (DocColumn column : relation.columns()) {
        String type = actual.get(column.name());
        if (type != null && !normalizeType(type).equals(normalizeType(column.type()))) {
          problems.add(
              DOC
                  + ":"
                  + column.line()
                  + ": pgconductor."
                  + relation.name()
                  + ": column `"
                  + column.name()
                  + "` is documented as `"
                  + column.type()
                  + "` but the database has `"
                  + type
                  + "`");
        }
      }
    }
    return problems;
  }

  static List<String> enumProblems(Doc doc, Catalog catalog) {
    List<String> problems = new ArrayList<>();
    for (DocEnum documented : doc.enums().values()) {
      List<String> actual = catalog.enums().get(documented.name());
      if (actual == null) {
        problems.add(
            DOC
                + ":"
                + documented.line()
                + ": pgconductor."
                + documented.name()
                + " is documented as an enum but the database has no such enum type");
      } else if (!actual.equals(documented.values())) {
        problems.add(
            DOC
                + ":"
                + documented.line()
                + ": enum pgconductor."
                + documented.name()
                + " is documented with the values "
                + documented.values()
                + " but the database has "
                + actual);
      }
    }
    return problems;
  }

  static List<String> undocumentedProblems(Doc doc, Catalog catalog) {
    List<String> problems = new ArrayList<>();
    for (String relation : catalog.columns().keySet()) {
      if (!catalog.partitions().contains(relation)
          && !doc.relations().containsKey(relation)
          && !isInternal(doc, relation)) {
        problems.add(
            "table or view pgconductor."
                + relation
                + " is neither documented in "
                + DOC
                + " nor listed under Internal");
      }
    }
    for (String type : catalog.types()) {
      if (!doc.enums().containsKey(type) && !isInternal(doc, type)) {
        problems.add(
            "type pgconductor."
                + type
                + " is neither documented in "
                + DOC
                + " nor listed under Internal");
      }
    }
    return problems;
  }

  static List<String> internalProblems(Doc doc, Catalog catalog) {
    List<String> problems = new ArrayList<>();
    for (String name : doc.internal()) {
      int dot = name.indexOf('.');
      boolean exists;
      if (dot < 0) {
        Pattern pattern = glob(name);
        exists =
            catalog.columns().keySet().stream().anyMatch(r -> pattern.matcher(r).matches())
                || catalog.types().stream().anyMatch(t -> pattern.matcher(t).matches())
                || catalog.functions().stream().anyMatch(f -> pattern.matcher(f).matches());
      } else {
        Map<String, String> columns = catalog.columns().get(name.substring(0, dot));
        exists = columns != null && columns.containsKey(name.substring(dot + 1));
      }
      if (!exists) {
        problems.add(
            DOC
                + ": `pgconductor."
                + name
                + "` is listed under Internal but the database has no such relation, column,"
                + " type or function");
      }
    }
    return problems;
  }

  private static boolean isInternal(Doc doc, String name) {
    return doc.internal().stream()
        .filter(n -> n.indexOf('.') < 0)
        .anyMatch(n -> glob(n).matcher(name).matches());
  }

  private static Pattern glob(String name) {
    return Pattern.compile(Pattern.quote(name).replace("*", "\\E.*\\Q"));
  }

  /** One spelling per type: {@code integer} and {@code int4} are {@code int}, and so on. */
  static String normalizeType(String type) {
    String t = type.replace("`", "").strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
    String suffix = "";
    while (t.endsWith("[]")) {
      suffix += "[]";
      t = t.substring(0, t.length() - 2).strip();
    }
    if (t.startsWith("pgconductor.")) {
      t = t.substring("pgconductor.".length());
    }
    t =
        switch (t) {
          case "integer", "int4" -> "int";
          case "int8" -> "bigint";
          case "int2" -> "smallint";
          case "bool" -> "boolean";
          case "timestamp with time zone" -> "timestamptz";
          case "timestamp without time zone" -> "timestamp";
          case "time with time zone" -> "timetz";
          case "time without time zone" -> "time";
          case "character varying" -> "varchar";
          case "character" -> "char";
          case "float8" -> "double precision";
          case "float4" -> "real";
          default -> t;
        };
    return t + suffix;
  }

  private static void assertNoProblems(List<String> problems) {
    assertThat(problems)
        .withFailMessage(
            "%s does not match the installed schema; update the doc (or the migration):%n  %s",
            DOC, String.join(System.lineSeparator() + "  ", problems))
        .isEmpty();
  }

  // --- the doc -----------------------------------------------------------------------------

  record DocColumn(String name, String type, int line) {}

  record DocRelation(String name, int line, List<DocColumn> columns) {}

  record DocEnum(String name, int line, List<String> values) {}

  /** What docs/schema.md says: tables and views with their columns, enums, and internal names. */
  record Doc(Map<String, DocRelation> relations, Map<String, DocEnum> enums, Set<String> internal) {

    static Doc parse(List<String> lines) {
      Map<String, DocRelation> relations = new LinkedHashMap<>();
      Map<String, DocEnum> enums = new LinkedHashMap<>();
      Set<String> internal = new LinkedHashSet<>();
      String named = null; // the `pgconductor.NAME` of the current heading, until its table
      int namedLine = 0;
      boolean inInternal = false;
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        if (line.strip().startsWith("```")) {
          i = closingFence(lines, i);
          continue;
        }
        Matcher heading = HEADING.matcher(line);
        if (heading.matches()) {
          requireTable(named, namedLine);
          Matcher n = NAMED_HEADING.matcher(line);
          named = n.matches() ? n.group(1) : null;
          namedLine = i + 1;
          if (heading.group(1).length() <= 2) {
            inInternal = heading.group(2).strip().startsWith("Internal");
          }
          continue;
        }
        if (inInternal) {
          Matcher m = INTERNAL_NAME.matcher(line);
          while (m.find()) {
            internal.add(m.group(1));
          }
        }
        if (named != null && line.strip().startsWith("|")) {
          List<String> header = cells(line);
          List<List<String>> rows = new ArrayList<>();
          List<Integer> rowLines = new ArrayList<>();
          int j = i + 2; // past the header and the |---| line
          while (j < lines.size() && lines.get(j).strip().startsWith("|")) {
            rows.add(cells(lines.get(j)));
            rowLines.add(j + 1);
            j++;
          }
          if (header.equals(List.of("column", "type", "meaning"))) {
            List<DocColumn> columns = new ArrayList<>();
            for (int r = 0; r < rows.size(); r++) {
              columns.add(new DocColumn(rows.get(r).get(0), rows.get(r).get(1), rowLines.get(r)));
            }
            relations.put(named, new DocRelation(named, namedLine, columns));
          } else if (header.equals(List.of("value", "meaning"))) {
            enums.put(
                named,
                new DocEnum(named, namedLine, rows.stream().map(row -> row.get(0)).toList()));
          } else {
            throw new IllegalStateException(
                DOC
                    + ":"
                    + (i + 1)
                    + ": unknown table header "
                    + header
                    + " under `pgconductor."
                    + named
                    + "`; use | column | type | meaning | or | value | meaning |");
          }
          named = null;
          i = j - 1;
        }
      }
      requireTable(named, namedLine);
      return new Doc(relations, enums, internal);
    }

    private static void requireTable(String named, int line) {
      if (named != null) {
        throw new IllegalStateException(
            DOC + ":" + line + ": `pgconductor." + named + "` has no column or value table");
      }
    }

    /** The cells of a table row, trimmed and without backticks. */
    private static List<String> cells(String row) {
      String inner = row.strip();
      inner = inner.substring(1, inner.endsWith("|") ? inner.length() - 1 : inner.length());
      return CELL_SEPARATOR.splitAsStream(inner).map(c -> c.replace("`", "").strip()).toList();
    }

    private static int closingFence(List<String> lines, int open) {
      for (int j = open + 1; j < lines.size(); j++) {
        if (lines.get(j).strip().startsWith("```")) {
          return j;
        }
      }
      throw new IllegalStateException(DOC + ":" + (open + 1) + ": code block is never closed");
    }
  }

  // --- the catalog -------------------------------------------------------------------------

  /**
   * The schema {@code pgconductor} as installed: its tables and views (partitioned parents and
   * partitions included) with their columns and types in order, which of them are partitions, its
   * enum types with their values, its other types (standalone composites, domains), and its
   * functions.
   */
  record Catalog(
      Map<String, Map<String, String>> columns,
      Set<String> partitions,
      Map<String, List<String>> enums,
      Set<String> types,
      Set<String> functions) {

    static Catalog read(DataSource dataSource) {
      Map<String, Map<String, String>> columns = new LinkedHashMap<>();
      Set<String> partitions = new TreeSet<>();
      Map<String, List<String>> enums = new LinkedHashMap<>();
      Set<String> types = new TreeSet<>();
      Set<String> functions = new TreeSet<>();
      try (Connection c = dataSource.getConnection();
          Statement st = c.createStatement()) {
        try (ResultSet rs =
            st.executeQuery(
                """
                select c.relname, c.relispartition, a.attname,
                       format_type(a.atttypid, a.atttypmod) as type
                from pg_class c
                join pg_namespace n on n.oid = c.relnamespace
                left join pg_attribute a
                  on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                where n.nspname = 'pgconductor' and c.relkind in ('r', 'p', 'v', 'm', 'f')
                order by c.relname, a.attnum""")) {
          while (rs.next()) {
            String relation = rs.getString(1);
            Map<String, String> cols =
                columns.computeIfAbsent(relation, r -> new LinkedHashMap<>());
            if (rs.getBoolean(2)) {
              partitions.add(relation);
            }
            if (rs.getString(3) != null) {
              cols.put(rs.getString(3), rs.getString(4));
            }
          }
        }
        try (ResultSet rs =
            st.executeQuery(
                """
                select t.typname, t.typtype, e.enumlabel
                from pg_type t
                join pg_namespace n on n.oid = t.typnamespace
                left join pg_class r on r.oid = t.typrelid
                left join pg_enum e on e.enumtypid = t.oid
                where n.nspname = 'pgconductor'
                  and (t.typtype in ('e', 'd') or (t.typtype = 'c' and r.relkind = 'c'))
                order by t.typname, e.enumsortorder""")) {
          while (rs.next()) {
            types.add(rs.getString(1));
            if (rs.getString(2).equals("e")) {
              enums.computeIfAbsent(rs.getString(1), t -> new ArrayList<>()).add(rs.getString(3));
            }
          }
        }
        try (ResultSet rs =
            st.executeQuery(
                """
                select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                where n.nspname = 'pgconductor'""")) {
          while (rs.next()) {
            functions.add(rs.getString(1));
          }
        }
      } catch (SQLException e) {
        throw new IllegalStateException("cannot read the catalog: " + e.getMessage(), e);
      }
      return new Catalog(columns, partitions, enums, types, functions);
    }

    /** This catalog with one more table, to show how drift is reported. */
    Catalog withRelation(String name, Map<String, String> cols) {
      Map<String, Map<String, String>> more = new LinkedHashMap<>(columns);
      more.put(name, cols);
      return new Catalog(more, partitions, enums, types, functions);
    }
  }

  // --- files -------------------------------------------------------------------------------

  private static int indexOf(List<String> lines, String prefix) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(prefix)) {
        return i;
      }
    }
    throw new IllegalStateException("no line starting with " + prefix + " in " + DOC);
  }

  private static List<String> read(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The repository root: the nearest directory up from here with docs/schema.md and a pom.xml. */
  private static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      if (Files.isRegularFile(dir.resolve(DOC)) && Files.isRegularFile(dir.resolve("pom.xml"))) {
        return dir;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException(
        "cannot find the repository root (with " + DOC + ") above " + Path.of("").toAbsolutePath());
  }
}
