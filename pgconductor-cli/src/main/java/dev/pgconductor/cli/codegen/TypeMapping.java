package dev.pgconductor.cli.codegen;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Maps Postgres column types to Java types, as documented in docs/generated-records.md. */
final class TypeMapping {
  static final ClassName JSON_NODE = ClassName.get("com.fasterxml.jackson.databind", "JsonNode");
  static final ClassName JSON_PROPERTY =
      ClassName.get("com.fasterxml.jackson.annotation", "JsonProperty");
  static final ClassName JSON_DESERIALIZE =
      ClassName.get("com.fasterxml.jackson.databind.annotation", "JsonDeserialize");
  static final ClassName JSON_SERIALIZE =
      ClassName.get("com.fasterxml.jackson.databind.annotation", "JsonSerialize");
  private static final ClassName LIST = ClassName.get("java.util", "List");
  private static final ClassName STRING = ClassName.get(String.class);

  /** The mapping of one column. */
  record Mapped(TypeName type, List<AnnotationSpec> annotations, String note) {}

  private final Map<Long, Catalog.PgType> types;
  private final Map<Long, ClassName> enums;
  private final ClassName bytea;

  /**
   * @param types the catalog's types
   * @param enums the Java enum generated for each Postgres enum type
   * @param bytea the helper class that reads and writes Postgres's hex form of bytea
   */
  TypeMapping(Map<Long, Catalog.PgType> types, Map<Long, ClassName> enums, ClassName bytea) {
    this.types = types;
    this.enums = enums;
    this.bytea = bytea;
  }

  /** Whether a column of this type needs the bytea helper class. */
  boolean usesBytea(long typeOid) {
    Catalog.PgType t = unwrapDomains(typeOid);
    return isBytea(t) || (t.isArray() && isBytea(unwrapDomains(t.element())));
  }

  Mapped map(Catalog.Column column) {
    boolean notNull = column.notNull() || domainNotNull(column.typeOid());
    Catalog.PgType t = unwrapDomains(column.typeOid());
    if (t.isArray()) {
      Catalog.PgType element = unwrapDomains(t.element());
      int dims = Math.max(1, column.dims());
      if (isBytea(element)) {
        if (dims > 1) {
          return new Mapped(
              JSON_NODE, List.of(), "a multi-dimensional bytea array has no mapping; read as JSON");
        }
        return new Mapped(
            ParameterizedTypeName.get(LIST, ArrayTypeName.of(TypeName.BYTE)),
            List.of(
                AnnotationSpec.builder(JSON_DESERIALIZE)
                    .addMember("contentUsing", "$T.class", bytea.nestedClass("Deserializer"))
                    .build(),
                AnnotationSpec.builder(JSON_SERIALIZE)
                    .addMember("contentUsing", "$T.class", bytea.nestedClass("Serializer"))
                    .build()),
            null);
      }
      Mapped inner = scalar(element, false);
      TypeName type = inner.type();
      for (int i = 0; i < dims; i++) {
        type = ParameterizedTypeName.get(LIST, type);
      }
      return new Mapped(type, inner.annotations(), inner.note());
    }
    return scalar(t, notNull);
  }

  private Mapped scalar(Catalog.PgType t, boolean notNull) {
    if (t.typtype() == 'e') {
      return plain(enums.get(t.oid()));
    }
    if (isBytea(t)) {
      return new Mapped(
          ArrayTypeName.of(TypeName.BYTE),
          List.of(
              AnnotationSpec.builder(JSON_DESERIALIZE)
                  .addMember("using", "$T.class", bytea.nestedClass("Deserializer"))
                  .build(),
              AnnotationSpec.builder(JSON_SERIALIZE)
                  .addMember("using", "$T.class", bytea.nestedClass("Serializer"))
                  .build()),
          null);
    }
    if (t.typtype() == 'b' && t.name().equals("citext")) {
      return plain(STRING);
    }
    if (t.typtype() == 'c') {
      return new Mapped(
          JSON_NODE, List.of(), "composite type " + t.qualifiedName() + ", read as JSON");
    }
    if (t.typtype() == 'r' || t.typtype() == 'm') {
      return new Mapped(
          STRING, List.of(), "range type " + t.qualifiedName() + ", in its text form");
    }
    if (!isCatalog(t)) {
      return new Mapped(
          JSON_NODE, List.of(), "type " + t.qualifiedName() + " has no Java mapping; read as JSON");
    }
    TypeName primitive =
        switch (t.name()) {
          case "bool" -> TypeName.BOOLEAN;
          case "int2" -> TypeName.SHORT;
          case "int4" -> TypeName.INT;
          case "int8" -> TypeName.LONG;
          case "float4" -> TypeName.FLOAT;
          case "float8" -> TypeName.DOUBLE;
          default -> null;
        };
    if (primitive != null) {
      return plain(notNull ? primitive : primitive.box());
    }
    return switch (t.name()) {
      case "numeric" -> plain(ClassName.get("java.math", "BigDecimal"));
      case "text", "varchar", "bpchar", "char", "name" -> plain(STRING);
      case "uuid" -> plain(ClassName.get("java.util", "UUID"));
      case "timestamptz" -> plain(ClassName.get("java.time", "Instant"));
      case "timestamp" -> plain(ClassName.get("java.time", "LocalDateTime"));
      case "date" -> plain(ClassName.get("java.time", "LocalDate"));
      case "time" -> plain(ClassName.get("java.time", "LocalTime"));
      case "timetz" -> plain(ClassName.get("java.time", "OffsetTime"));
      case "json", "jsonb" -> plain(JSON_NODE);
      case "interval" ->
          new Mapped(
              STRING, List.of(), "interval, in its Postgres text form (e.g. 1 day 02:00:00)");
      case "money" -> new Mapped(STRING, List.of(), "money, in its Postgres text form");
      case "inet",
          "cidr",
          "macaddr",
          "macaddr8",
          "xml",
          "bit",
          "varbit",
          "tsvector",
          "tsquery",
          "point",
          "line",
          "lseg",
          "box",
          "path",
          "polygon",
          "circle",
          "pg_lsn" ->
          new Mapped(STRING, List.of(), t.name() + ", in its Postgres text form");
      default ->
          new Mapped(
              JSON_NODE,
              List.of(),
              "type " + t.qualifiedName() + " has no Java mapping; read as JSON");
    };
  }

  private static Mapped plain(TypeName type) {
    return new Mapped(type, List.of(), null);
  }

  private boolean isBytea(Catalog.PgType t) {
    return t.name().equals("bytea") && isCatalog(t);
  }

  private static boolean isCatalog(Catalog.PgType t) {
    return t.schema().equals("pg_catalog");
  }

  private Catalog.PgType unwrapDomains(long oid) {
    Catalog.PgType t = types.get(oid);
    while (t.typtype() == 'd') {
      t = types.get(t.baseType());
    }
    return t;
  }

  private boolean domainNotNull(long oid) {
    Catalog.PgType t = types.get(oid);
    while (t.typtype() == 'd') {
      if (t.notNull()) {
        return true;
      }
      t = types.get(t.baseType());
    }
    return false;
  }

  /** The enum types the columns use, directly or as array elements or through domains. */
  List<Catalog.PgType> enumTypes(List<Catalog.Column> columns) {
    List<Catalog.PgType> out = new ArrayList<>();
    for (Catalog.Column c : columns) {
      Catalog.PgType t = unwrapDomains(c.typeOid());
      if (t.isArray()) {
        t = unwrapDomains(t.element());
      }
      if (t.typtype() == 'e' && !out.contains(t)) {
        out.add(t);
      }
    }
    return out;
  }
}
