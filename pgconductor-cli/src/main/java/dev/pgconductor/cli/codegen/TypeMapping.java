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

  /** A scalar's Java type, and the helper classes that read and write it, if it needs them. */
  private record Scalar(TypeName type, String note, ClassName deserializer, ClassName serializer) {
    Scalar(TypeName type) {
      this(type, null, null, null);
    }

    Scalar(TypeName type, String note) {
      this(type, note, null, null);
    }

    boolean needsHelper() {
      return deserializer != null || serializer != null;
    }
  }

  private final Map<Long, Catalog.PgType> types;
  private final Map<Long, ClassName> enums;
  private final ClassName helper;

  /**
   * @param types the catalog's types
   * @param enums the Java enum generated for each Postgres enum type
   * @param helper the generated class whose nested classes read and write the types Jackson cannot
   *     take as Postgres writes them (bytea, timetz)
   */
  TypeMapping(Map<Long, Catalog.PgType> types, Map<Long, ClassName> enums, ClassName helper) {
    this.types = types;
    this.enums = enums;
    this.helper = helper;
  }

  /** Whether a column of this type needs the helper class. */
  boolean usesHelper(long typeOid) {
    Catalog.PgType t = unwrapDomains(typeOid);
    if (t.isArray()) {
      t = unwrapDomains(t.element());
    }
    return isCatalog(t) && (t.name().equals("bytea") || t.name().equals("timetz"));
  }

  Mapped map(Catalog.Column column) {
    boolean notNull = column.notNull() || domainNotNull(column.typeOid());
    Catalog.PgType t = unwrapDomains(column.typeOid());
    if (!t.isArray()) {
      Scalar scalar = scalar(t, notNull);
      List<AnnotationSpec> annotations = new ArrayList<>();
      if (scalar.deserializer() != null) {
        annotations.add(using(JSON_DESERIALIZE, "using", scalar.deserializer()));
      }
      if (scalar.serializer() != null) {
        annotations.add(using(JSON_SERIALIZE, "using", scalar.serializer()));
      }
      return new Mapped(scalar.type(), annotations, scalar.note());
    }
    Scalar element = scalar(unwrapDomains(t.element()), false);
    int dims = Math.max(1, column.dims());
    if (element.needsHelper() && dims > 1) {
      return new Mapped(
          JSON_NODE,
          List.of(),
          "a multi-dimensional array of "
              + t.name().substring(1)
              + " has no mapping; read as JSON");
    }
    TypeName type = element.type();
    for (int i = 0; i < dims; i++) {
      type = ParameterizedTypeName.get(LIST, type);
    }
    List<AnnotationSpec> annotations = new ArrayList<>();
    if (element.deserializer() != null) {
      annotations.add(using(JSON_DESERIALIZE, "contentUsing", element.deserializer()));
    }
    if (element.serializer() != null) {
      annotations.add(using(JSON_SERIALIZE, "contentUsing", element.serializer()));
    }
    return new Mapped(type, annotations, element.note());
  }

  private static AnnotationSpec using(ClassName annotation, String member, ClassName helper) {
    return AnnotationSpec.builder(annotation).addMember(member, "$T.class", helper).build();
  }

  private Scalar scalar(Catalog.PgType t, boolean notNull) {
    if (t.typtype() == 'e') {
      return new Scalar(enums.get(t.oid()));
    }
    if (t.typtype() == 'b' && t.name().equals("citext")) {
      return new Scalar(STRING);
    }
    if (t.typtype() == 'c') {
      return new Scalar(JSON_NODE, "composite type " + t.qualifiedName() + ", read as JSON");
    }
    if (t.typtype() == 'r' || t.typtype() == 'm') {
      return new Scalar(STRING, "range type " + t.qualifiedName() + ", in its text form");
    }
    if (!isCatalog(t)) {
      return new Scalar(
          JSON_NODE, "type " + t.qualifiedName() + " has no Java mapping; read as JSON");
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
      return new Scalar(notNull ? primitive : primitive.box());
    }
    return switch (t.name()) {
      case "numeric" -> new Scalar(ClassName.get("java.math", "BigDecimal"));
      case "text", "varchar", "bpchar", "char", "name" -> new Scalar(STRING);
      case "uuid" -> new Scalar(ClassName.get("java.util", "UUID"));
      case "timestamptz" -> new Scalar(ClassName.get("java.time", "Instant"));
      case "timestamp" -> new Scalar(ClassName.get("java.time", "LocalDateTime"));
      case "date" -> new Scalar(ClassName.get("java.time", "LocalDate"));
      case "time" -> new Scalar(ClassName.get("java.time", "LocalTime"));
      // Postgres writes the offset of a timetz as +02 in JSON, which java.time does not read
      case "timetz" ->
          new Scalar(
              ClassName.get("java.time", "OffsetTime"),
              null,
              helper.nestedClass("OffsetTimeDeserializer"),
              null);
      // and bytea in its hex form, \x0a1b, where Jackson expects base64
      case "bytea" ->
          new Scalar(
              ArrayTypeName.of(TypeName.BYTE),
              null,
              helper.nestedClass("ByteaDeserializer"),
              helper.nestedClass("ByteaSerializer"));
      case "json", "jsonb" -> new Scalar(JSON_NODE);
      case "interval" ->
          new Scalar(STRING, "interval, in its Postgres text form (e.g. 1 day 02:00:00)");
      case "money" -> new Scalar(STRING, "money, in its Postgres text form");
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
          new Scalar(STRING, t.name() + ", in its Postgres text form");
      default ->
          new Scalar(JSON_NODE, "type " + t.qualifiedName() + " has no Java mapping; read as JSON");
    };
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
