package dev.pgconductor.cli.codegen;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What the generator reads from the Postgres catalogs: relations, their columns, their types. */
final class Catalog {

  /** A table, partitioned table, view, materialized view or foreign table. */
  record Relation(long oid, String schema, String name, char kind, List<Column> columns) {
    String qualifiedName() {
      return schema + "." + name;
    }

    String kindName() {
      return switch (kind) {
        case 'v' -> "view";
        case 'm' -> "materialized view";
        case 'f' -> "foreign table";
        default -> "table";
      };
    }
  }

  /** A column; {@code dims} is the declared number of array dimensions (0 when not declared). */
  record Column(
      int position, String name, boolean notNull, long typeOid, int dims, String sqlType) {}

  /**
   * A type from {@code pg_type}: {@code typtype} b(ase), c(omposite), d(omain), e(num), p(seudo),
   * r(ange), m(ultirange); {@code element} is set for arrays, {@code baseType} for domains.
   */
  record PgType(
      long oid,
      String schema,
      String name,
      char typtype,
      char category,
      long element,
      long baseType,
      boolean notNull) {
    boolean isArray() {
      return category == 'A' && element != 0;
    }

    String qualifiedName() {
      return schema + "." + name;
    }
  }

  final List<Relation> relations;
  final Map<Long, PgType> types;
  final Map<Long, List<String>> enumLabels;

  private Catalog(
      List<Relation> relations, Map<Long, PgType> types, Map<Long, List<String>> enumLabels) {
    this.relations = relations;
    this.types = types;
    this.enumLabels = enumLabels;
  }

  /** The schemas of this list that the database has. */
  static Set<String> existingSchemas(Connection connection, List<String> schemas)
      throws SQLException {
    Set<String> found = new HashSet<>();
    try (PreparedStatement ps =
        connection.prepareStatement("select nspname from pg_namespace where nspname = any(?)")) {
      ps.setArray(1, connection.createArrayOf("text", schemas.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          found.add(rs.getString(1));
        }
      }
    }
    return found;
  }

  /** The user schemas of the database, for an error message. */
  static List<String> userSchemas(Connection connection) throws SQLException {
    List<String> names = new ArrayList<>();
    try (var st = connection.createStatement();
        ResultSet rs =
            st.executeQuery(
                "select nspname from pg_namespace where nspname not like 'pg\\_%'"
                    + " and nspname <> 'information_schema' order by nspname")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  /** Reads the relations of the schemas (in the given order, then by name) and their types. */
  static Catalog read(Connection connection, List<String> schemas) throws SQLException {
    Map<Long, Relation> byOid = new LinkedHashMap<>();
    try (PreparedStatement ps =
        connection.prepareStatement(
            """
            select c.oid, n.nspname, c.relname, c.relkind
            from pg_class c
            join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = any(?) and c.relkind in ('r', 'p', 'v', 'm', 'f')
              and not c.relispartition
            order by array_position(?, n.nspname::text), c.relname
            """)) {
      var array = connection.createArrayOf("text", schemas.toArray());
      ps.setArray(1, array);
      ps.setArray(2, array);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long oid = rs.getLong(1);
          byOid.put(
              oid,
              new Relation(
                  oid,
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4).charAt(0),
                  new ArrayList<>()));
        }
      }
    }
    Set<Long> typeOids = new HashSet<>();
    if (!byOid.isEmpty()) {
      try (PreparedStatement ps =
          connection.prepareStatement(
              """
              select a.attrelid, a.attnum, a.attname, a.attnotnull, a.atttypid, a.attndims,
                     format_type(a.atttypid, a.atttypmod)
              from pg_attribute a
              where a.attrelid = any(?::oid[]) and a.attnum > 0 and not a.attisdropped
              order by a.attrelid, a.attnum
              """)) {
        ps.setArray(1, connection.createArrayOf("int8", byOid.keySet().toArray()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long typeOid = rs.getLong(5);
            typeOids.add(typeOid);
            byOid
                .get(rs.getLong(1))
                .columns()
                .add(
                    new Column(
                        rs.getInt(2),
                        rs.getString(3),
                        rs.getBoolean(4),
                        typeOid,
                        rs.getInt(6),
                        rs.getString(7)));
          }
        }
      }
    }
    Map<Long, PgType> types = types(connection, typeOids);
    Map<Long, List<String>> labels = enumLabels(connection, types);
    List<Relation> relations = new ArrayList<>();
    for (Relation r : byOid.values()) {
      relations.add(
          new Relation(r.oid(), r.schema(), r.name(), r.kind(), List.copyOf(r.columns())));
    }
    return new Catalog(List.copyOf(relations), Map.copyOf(types), Map.copyOf(labels));
  }

  /** The types of the columns, and the element and base types they lead to, transitively. */
  private static Map<Long, PgType> types(Connection connection, Set<Long> start)
      throws SQLException {
    Map<Long, PgType> types = new HashMap<>();
    Set<Long> wanted = new HashSet<>(start);
    while (!wanted.isEmpty()) {
      try (PreparedStatement ps =
          connection.prepareStatement(
              """
              select t.oid, n.nspname, t.typname, t.typtype, t.typcategory, t.typelem,
                     t.typbasetype, t.typnotnull
              from pg_type t join pg_namespace n on n.oid = t.typnamespace
              where t.oid = any(?::oid[])
              """)) {
        ps.setArray(1, connection.createArrayOf("int8", wanted.toArray()));
        wanted = new HashSet<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            PgType t =
                new PgType(
                    rs.getLong(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4).charAt(0),
                    rs.getString(5).charAt(0),
                    rs.getLong(6),
                    rs.getLong(7),
                    rs.getBoolean(8));
            types.put(t.oid(), t);
            for (long next : new long[] {t.element(), t.baseType()}) {
              if (next != 0 && !types.containsKey(next)) {
                wanted.add(next);
              }
            }
          }
        }
      }
    }
    return types;
  }

  private static Map<Long, List<String>> enumLabels(Connection connection, Map<Long, PgType> types)
      throws SQLException {
    List<Long> enums =
        types.values().stream().filter(t -> t.typtype() == 'e').map(PgType::oid).toList();
    Map<Long, List<String>> labels = new HashMap<>();
    if (enums.isEmpty()) {
      return labels;
    }
    try (PreparedStatement ps =
        connection.prepareStatement(
            "select enumtypid, enumlabel from pg_enum where enumtypid = any(?::oid[])"
                + " order by enumtypid, enumsortorder")) {
      ps.setArray(1, connection.createArrayOf("int8", enums.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          labels.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getString(2));
        }
      }
    }
    labels.replaceAll((k, v) -> List.copyOf(v));
    return labels;
  }
}
