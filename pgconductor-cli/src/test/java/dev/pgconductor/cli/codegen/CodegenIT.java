package dev.pgconductor.cli.codegen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskEvent;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.cli.CliRunnerAccess;
import dev.pgconductor.cli.ExitCodes;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * gen records against a schema with awkward names and every type mapping: the output compiles
 * (warnings and doc comment problems are errors), and reads real rows as {@code to_jsonb} writes
 * them, in a session whose time zone is not UTC.
 */
class CodegenIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final String PACKAGE = "com.acme.db";
  static final UUID ADA = UUID.fromString("11111111-1111-1111-1111-111111111111");
  static final UUID EMPTY = UUID.fromString("22222222-2222-2222-2222-222222222222");

  /** Configured like pgconductor's default mapper (see Conductor.Builder.objectMapper). */
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .addModule(new JavaTimeModule())
          .addModule(new Jdk8Module())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  /** The same, but failing on a JSON field no component takes: every column must be mapped. */
  static final ObjectMapper STRICT =
      MAPPER.copy().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  @TempDir static Path dir;
  static Function<String, Class<?>> generated;
  static CliRunnerAccess.Result generation;

  @BeforeAll
  static void generateAndCompile() throws Exception {
    db.execute(resource("codegen/awkward.sql"));
    db.execute(
        """
        insert into shop.contacts (id, first_name, "firstName", "LastName", "class", "default",
          "with space", "quote""d", "dash-ed", "1st", "größe", "hashCode", "*/ evil \\u000a",
          initial, small, small_null, big, big_null, regular, regular_null, flag, real_num,
          real_null, dbl, dbl_null, amount, created_at, updated_at, local_ts, birthday, alarm,
          alarm_tz, duration, photo, photos, doc, docb, scores, grid, names, stamps, statuses,
          status, status_null, qty, mail, labels, home, ip, span, price, "Ünïcödé")
        values ('11111111-1111-1111-1111-111111111111', 'Ada', 'ADA', 'Lovelace', 7, true,
          'spaced', 'quoted', 'dashed', 1, 12.34, 42, 'evil', 'abc', 3, 4, 9007199254740993, 5,
          6, 7, true, 1.5, 2.5, 3.25, 4.5, 123456789012345678901234567890.123456789,
          '2024-03-01 12:34:56.123456+00', '2024-03-02 00:00:00+05', '2024-03-03 01:02:03.5',
          '1815-12-10', '13:14:15', '13:14:15+02', '1 day 02:03:04', '\\x00ff10',
          array['\\x01'::bytea, '\\x0203'::bytea], '{"a": [1, 2]}', '{"b": {"c": null}}',
          '{1,2,3}', '{{1,2},{3,4}}', array['x', null, 'z'],
          array['2024-01-01T00:00:00Z'::timestamptz], '{in-progress,done}', 'in-progress', null,
          5, 'ada@example.com', '{t1,t2}', row('Main St', '123'), '192.168.0.1/24', '[1,5)',
          12.5, 'Ü');
        insert into shop.contacts (id, first_name, "default", small, big, regular, real_num, dbl,
          created_at, docb, scores, status, qty)
        values ('22222222-2222-2222-2222-222222222222', 'Empty', false, 0, 0, 0, 0, 0,
          '2024-01-01T00:00:00Z', 'null', '{}', 'new', 1);
        """);
    generation =
        CliRunnerAccess.run(
            db.url(),
            "gen",
            "records",
            "--schemas",
            "shop,Other Schema",
            "--package",
            PACKAGE,
            "--out",
            dir.resolve("src").toString());
    assertThat(generation.exitCode()).as(generation.toString()).isZero();
    ClassLoader loader = GeneratedCode.compile(dir.resolve("src"), dir.resolve("classes"));
    generated = GeneratedCode.loader(loader, PACKAGE);
  }

  @Test
  void oneRecordPerTableAndViewAndOneEnumPerEnumType() throws IOException {
    Path pkg = dir.resolve("src/com/acme/db");
    try (Stream<Path> files = Files.list(pkg)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "Contacts.java", // shop.contact took "Contact" first
              "Contact.java",
              "OrderItem.java",
              "Person.java",
              "Category.java",
              "Status.java",
              "StringRow.java", // would hide java.lang.String
              "ClassRow.java", // would hide java.lang.Class
              "Table.java", // "!!!" has no letter
              "ActiveContact.java", // the view
              "OtherSchemaContact.java", // "Other Schema".contacts; Contact was taken
              "TicketStatus.java",
              "PgTypes.java");
    }
    assertThat(generation.out())
        .contains("Generated 11 records and 1 enum in " + pkg)
        .containsPattern("ActiveContact\\s+record\\s+shop.active_contacts")
        .containsPattern("TicketStatus\\s+enum\\s+shop.ticket_status");
    String source = Files.readString(pkg.resolve("Contacts.java"), StandardCharsets.UTF_8);
    assertThat(source)
        .startsWith("// Generated by pgconductor gen records from shop.contacts.")
        .contains("A row of the table <code>shop.contacts</code>.")
        .contains("@JsonProperty(\"first_name\") String firstName")
        .contains("@JsonProperty(\"quote\\\"d\") String quoteD");
  }

  @Test
  void columnTypesMapToJavaTypes() {
    Map<String, String> types = GeneratedCode.componentTypes(generated.apply("Contacts"));
    assertThat(types)
        .containsExactly(
            Map.entry("id", "java.util.UUID"),
            Map.entry("firstName", "java.lang.String"),
            Map.entry("firstName2", "java.lang.String"),
            Map.entry("lastName", "java.lang.String"),
            Map.entry("class_", "java.lang.Integer"),
            Map.entry("default_", "boolean"),
            Map.entry("withSpace", "java.lang.String"),
            Map.entry("quoteD", "java.lang.String"),
            Map.entry("dashEd", "java.lang.String"),
            Map.entry("_1st", "java.lang.Integer"),
            Map.entry("größe", "java.math.BigDecimal"),
            Map.entry("hashCode_", "java.lang.Integer"),
            Map.entry("evilU000a", "java.lang.String"),
            Map.entry("initial", "java.lang.String"),
            Map.entry("small", "short"),
            Map.entry("smallNull", "java.lang.Short"),
            Map.entry("big", "long"),
            Map.entry("bigNull", "java.lang.Long"),
            Map.entry("regular", "int"),
            Map.entry("regularNull", "java.lang.Integer"),
            Map.entry("flag", "java.lang.Boolean"),
            Map.entry("realNum", "float"),
            Map.entry("realNull", "java.lang.Float"),
            Map.entry("dbl", "double"),
            Map.entry("dblNull", "java.lang.Double"),
            Map.entry("amount", "java.math.BigDecimal"),
            Map.entry("createdAt", "java.time.Instant"),
            Map.entry("updatedAt", "java.time.Instant"),
            Map.entry("localTs", "java.time.LocalDateTime"),
            Map.entry("birthday", "java.time.LocalDate"),
            Map.entry("alarm", "java.time.LocalTime"),
            Map.entry("alarmTz", "java.time.OffsetTime"),
            Map.entry("duration", "java.lang.String"),
            Map.entry("photo", "byte[]"),
            Map.entry("photos", "java.util.List<byte[]>"),
            Map.entry("doc", "com.fasterxml.jackson.databind.JsonNode"),
            Map.entry("docb", "com.fasterxml.jackson.databind.JsonNode"),
            Map.entry("scores", "java.util.List<java.lang.Integer>"),
            Map.entry("grid", "java.util.List<java.util.List<java.lang.Integer>>"),
            Map.entry("names", "java.util.List<java.lang.String>"),
            Map.entry("stamps", "java.util.List<java.time.Instant>"),
            Map.entry("statuses", "java.util.List<com.acme.db.TicketStatus>"),
            Map.entry("status", "com.acme.db.TicketStatus"),
            Map.entry("statusNull", "com.acme.db.TicketStatus"),
            Map.entry("qty", "int"), // a domain with NOT NULL over int
            Map.entry("mail", "java.lang.String"), // a domain over text
            Map.entry("labels", "java.util.List<java.lang.String>"), // a domain over text[]
            Map.entry("home", "com.fasterxml.jackson.databind.JsonNode"), // a composite type
            Map.entry("ip", "java.lang.String"),
            Map.entry("span", "java.lang.String"),
            Map.entry("price", "java.lang.String"),
            Map.entry("ünïcödé", "java.lang.String"));
    assertThat(GeneratedCode.componentTypes(generated.apply("ActiveContact")))
        .containsExactly(
            Map.entry("id", "java.util.UUID"),
            Map.entry("firstName", "java.lang.String"),
            Map.entry("status", "com.acme.db.TicketStatus"),
            Map.entry("createdAt", "java.time.Instant")); // a view: nothing is known NOT NULL
  }

  @Test
  void readsAFullRowAsToJsonbWritesIt() throws Exception {
    Object ada = STRICT.readValue(rowJson("shop.contacts", ADA), generated.apply("Contacts"));
    Map<String, Object> v = GeneratedCode.values(ada);
    Class<?> status = generated.apply("TicketStatus");
    assertThat(v.get("id")).isEqualTo(ADA);
    assertThat(v.get("firstName")).isEqualTo("Ada");
    assertThat(v.get("firstName2")).isEqualTo("ADA");
    assertThat(v.get("lastName")).isEqualTo("Lovelace");
    assertThat(v.get("class_")).isEqualTo(7);
    assertThat(v.get("default_")).isEqualTo(true);
    assertThat(v.get("withSpace")).isEqualTo("spaced");
    assertThat(v.get("quoteD")).isEqualTo("quoted");
    assertThat(v.get("dashEd")).isEqualTo("dashed");
    assertThat(v.get("_1st")).isEqualTo(1);
    assertThat(v.get("größe")).isEqualTo(new BigDecimal("12.34"));
    assertThat(v.get("hashCode_")).isEqualTo(42);
    assertThat(v.get("evilU000a")).isEqualTo("evil");
    assertThat(v.get("initial")).isEqualTo("abc");
    assertThat(v.get("small")).isEqualTo((short) 3);
    assertThat(v.get("smallNull")).isEqualTo((short) 4);
    assertThat(v.get("big")).isEqualTo(9007199254740993L); // not a double
    assertThat(v.get("bigNull")).isEqualTo(5L);
    assertThat(v.get("regular")).isEqualTo(6);
    assertThat(v.get("regularNull")).isEqualTo(7);
    assertThat(v.get("flag")).isEqualTo(true);
    assertThat(v.get("realNum")).isEqualTo(1.5f);
    assertThat(v.get("realNull")).isEqualTo(2.5f);
    assertThat(v.get("dbl")).isEqualTo(3.25);
    assertThat(v.get("dblNull")).isEqualTo(4.5);
    assertThat(v.get("amount"))
        .isEqualTo(new BigDecimal("123456789012345678901234567890.123456789"));
    assertThat(v.get("createdAt")).isEqualTo(Instant.parse("2024-03-01T12:34:56.123456Z"));
    assertThat(v.get("updatedAt")).isEqualTo(Instant.parse("2024-03-01T19:00:00Z"));
    assertThat(v.get("localTs")).isEqualTo(LocalDateTime.parse("2024-03-03T01:02:03.5"));
    assertThat(v.get("birthday")).isEqualTo(LocalDate.parse("1815-12-10"));
    assertThat(v.get("alarm")).isEqualTo(LocalTime.parse("13:14:15"));
    assertThat(v.get("alarmTz")).isEqualTo(OffsetTime.parse("13:14:15+02:00"));
    assertThat(v.get("duration")).isEqualTo("1 day 02:03:04");
    assertThat((byte[]) v.get("photo")).containsExactly(0x00, 0xff, 0x10);
    assertThat((List<?>) v.get("photos"))
        .satisfiesExactly(
            b -> assertThat((byte[]) b).containsExactly(1),
            b -> assertThat((byte[]) b).containsExactly(2, 3));
    assertThat(v.get("doc").toString()).isEqualTo("{\"a\":[1,2]}");
    assertThat(v.get("docb").toString()).isEqualTo("{\"b\":{\"c\":null}}");
    assertThat(v.get("scores")).isEqualTo(List.of(1, 2, 3));
    assertThat(v.get("grid")).isEqualTo(List.of(List.of(1, 2), List.of(3, 4)));
    assertThat(v.get("names")).isEqualTo(Arrays.asList("x", null, "z"));
    assertThat(v.get("stamps")).isEqualTo(List.of(Instant.parse("2024-01-01T00:00:00Z")));
    assertThat(v.get("statuses"))
        .isEqualTo(List.of(constant(status, "IN_PROGRESS"), constant(status, "DONE")));
    assertThat(v.get("status")).isEqualTo(constant(status, "IN_PROGRESS"));
    assertThat(v.get("statusNull")).isNull();
    assertThat(v.get("qty")).isEqualTo(5);
    assertThat(v.get("mail")).isEqualTo("ada@example.com");
    assertThat(v.get("labels")).isEqualTo(List.of("t1", "t2"));
    assertThat(v.get("home").toString()).isEqualTo("{\"zip\":\"123\",\"street\":\"Main St\"}");
    assertThat(v.get("ip")).isEqualTo("192.168.0.1/24");
    assertThat(v.get("span")).isEqualTo("[1,5)");
    assertThat((String) v.get("price")).contains("12.50");
    assertThat(v.get("ünïcödé")).isEqualTo("Ü");
  }

  @Test
  void aRowChangeTriggerHandsOutTheChangedRowsAsGeneratedRecords() throws Exception {
    Class<?> contacts = generated.apply("Contacts");
    TaskDefinition<JsonNode, Void> onChange = TaskDefinition.of("contact-changed", JsonNode.class);
    List<Object> rows = new CopyOnWriteArrayList<>();
    try (var conductor = db.conductor(TaskSchemas.of(onChange)).build()) {
      var task =
          conductor.createTask(
              TaskOptions.of(onChange),
              Trigger.onUpdate("shop", "contacts")
                  .when("new.\"LastName\" is distinct from old.\"LastName\""),
              (event, ctx) -> {
                var change = (TaskEvent.RowChanged<JsonNode>) event;
                rows.add(change.oldRow(contacts));
                rows.add(change.newRow(contacts));
                return null;
              });
      try (var orchestrator =
          Orchestrator.builder(conductor).tasks(task).handleSignals(false).build()) {
        orchestrator.start();
        db.execute("update shop.contacts set \"LastName\" = 'Byron' where id = '" + ADA + "'");
        await().atMost(Duration.ofSeconds(15)).until(() -> rows.size() == 2);
      } finally {
        db.execute("update shop.contacts set \"LastName\" = 'Lovelace' where id = '" + ADA + "'");
        db.execute("delete from pgconductor.row_triggers");
        db.execute("select count(*) from pgconductor.apply_row_triggers()");
      }
    }
    Map<String, Object> before = GeneratedCode.values(rows.get(0));
    Map<String, Object> after = GeneratedCode.values(rows.get(1));
    assertThat(before.get("lastName")).isEqualTo("Lovelace");
    assertThat(after.get("lastName")).isEqualTo("Byron");
    assertThat(after.get("id")).isEqualTo(ADA);
    assertThat(after.get("quoteD")).isEqualTo("quoted");
    assertThat(after.get("big")).isEqualTo(9007199254740993L);
    assertThat(after.get("createdAt")).isEqualTo(Instant.parse("2024-03-01T12:34:56.123456Z"));
    assertThat(after.get("alarmTz")).isEqualTo(OffsetTime.parse("13:14:15+02:00"));
    assertThat((byte[]) after.get("photo")).containsExactly(0x00, 0xff, 0x10);
    assertThat(after.get("status"))
        .isEqualTo(constant(generated.apply("TicketStatus"), "IN_PROGRESS"));
  }

  @Test
  void readsNullsAsNullAndKeepsPrimitivesForNotNullColumns() throws Exception {
    Object empty = STRICT.readValue(rowJson("shop.contacts", EMPTY), generated.apply("Contacts"));
    Map<String, Object> v = GeneratedCode.values(empty);
    List<String> notNull =
        List.of(
            "id",
            "firstName",
            "default_",
            "small",
            "big",
            "regular",
            "realNum",
            "dbl",
            "createdAt",
            "docb",
            "scores",
            "status",
            "qty");
    for (var e : v.entrySet()) {
      if (notNull.contains(e.getKey())) {
        assertThat(e.getValue()).as(e.getKey()).isNotNull();
      } else if (e.getKey().equals("doc") || e.getKey().equals("home")) {
        // a JSON null read into a JsonNode component is Jackson's NullNode
        assertThat(((JsonNode) e.getValue()).isNull()).as(e.getKey()).isTrue();
      } else {
        assertThat(e.getValue()).as(e.getKey()).isNull();
      }
    }
    assertThat(((JsonNode) v.get("docb")).isNull()).isTrue(); // the JSON value null
    assertThat(v.get("scores")).isEqualTo(List.of());
    assertThat(v.get("small")).isEqualTo((short) 0);
  }

  @Test
  void readsViewRowsAndEnumLabelsThatAreNotJavaNames() throws Exception {
    Object active =
        STRICT.readValue(
            json("select to_jsonb(v)::text from shop.active_contacts v where id = '" + ADA + "'"),
            generated.apply("ActiveContact"));
    Map<String, Object> v = GeneratedCode.values(active);
    Class<?> status = generated.apply("TicketStatus");
    assertThat(v)
        .containsEntry("id", ADA)
        .containsEntry("firstName", "Ada")
        .containsEntry("status", constant(status, "IN_PROGRESS"))
        .containsEntry("createdAt", Instant.parse("2024-03-01T12:34:56.123456Z"));

    assertThat(Stream.of(status.getEnumConstants()).map(Object::toString))
        .containsExactly("NEW", "IN_PROGRESS", "DONE", "DONE_2", "CLASS", "_2ND_TRY", "GRÖSSE");
    String labels = json("select to_jsonb(enum_range(null::shop.ticket_status))::text");
    List<?> read =
        MAPPER.readValue(
            labels, MAPPER.getTypeFactory().constructCollectionType(List.class, status));
    assertThat(read.stream().map(Object::toString))
        .containsExactly("NEW", "IN_PROGRESS", "DONE", "DONE_2", "CLASS", "_2ND_TRY", "GRÖSSE");
    // and written back with the labels
    assertThat(MAPPER.writeValueAsString(read))
        .isEqualTo("[\"new\",\"in-progress\",\"done\",\"DONE\",\"class\",\"2nd try\",\"größe\"]");
  }

  @Test
  void writesRowsBackAsPostgresReadsThem() throws Exception {
    Object ada = MAPPER.readValue(rowJson("shop.contacts", ADA), generated.apply("Contacts"));
    String written = MAPPER.writeValueAsString(ada);
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                """
                select r.photo = c.photo, r.photos = c.photos, r.status = c.status,
                       r.statuses = c.statuses, r.created_at = c.created_at,
                       r.amount = c.amount, r.local_ts = c.local_ts, r.alarm_tz = c.alarm_tz,
                       r.grid = c.grid, r.big = c.big, r."*/ evil \\u000a" = c."*/ evil \\u000a",
                       r."quote""d" = c."quote""d", r."Ünïcödé" = c."Ünïcödé"
                from jsonb_populate_record(null::shop.contacts, ?::jsonb) r, shop.contacts c
                where c.id = r.id
                """)) {
      ps.setString(1, written);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).as(written).isTrue();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          assertThat(rs.getBoolean(i)).as("column %d of %s", i, written).isTrue();
        }
      }
    }
  }

  @Test
  void theTablesOptionGeneratesOnlyThoseAndKeepsTheirNames(@TempDir Path out) throws IOException {
    var result =
        CliRunnerAccess.run(
            db.url(),
            "gen",
            "records",
            "--schemas",
            "shop,Other Schema",
            "--package",
            PACKAGE,
            "--out",
            out.toString(),
            "--tables",
            "contacts,shop.people");
    assertThat(result.exitCode()).as(result.toString()).isZero();
    try (Stream<Path> files = Files.list(out.resolve("com/acme/db"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(
              "Contacts.java", // both schemas have "contacts"; same names as in a full run
              "OtherSchemaContact.java",
              "Person.java",
              "TicketStatus.java",
              "PgTypes.java");
    }
    GeneratedCode.compile(out, out.resolve("classes"));
  }

  @Test
  void unknownSchemasAndTablesAreRequestErrors(@TempDir Path out) {
    var schema =
        CliRunnerAccess.run(
            db.url(),
            "gen",
            "records",
            "--schemas",
            "shop,nope",
            "--package",
            PACKAGE,
            "--out",
            out.toString());
    assertThat(schema.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(schema.err())
        .startsWith("pgconductor: unknown schema 'nope' (the database has: ")
        .contains("shop", "Other Schema", "public");
    var table =
        CliRunnerAccess.run(
            db.url(),
            "gen",
            "records",
            "--schemas",
            "shop",
            "--package",
            PACKAGE,
            "--out",
            out.toString(),
            "--tables",
            "contacts,nope");
    assertThat(table.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(table.err()).isEqualTo("pgconductor: no table or view 'nope' in schema shop\n");
    var pkg =
        CliRunnerAccess.run(
            db.url(),
            "gen",
            "records",
            "--schemas",
            "shop",
            "--package",
            "com.acme.class",
            "--out",
            out.toString());
    assertThat(pkg.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(pkg.err()).contains("'com.acme.class' is not a valid Java package name");
    var missing = CliRunnerAccess.run(db.url(), "gen", "records", "--schemas", "shop");
    assertThat(missing.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(out).isEmptyDirectory();
  }

  @Test
  void cleanRemovesOnlyEarlierGeneratedFilesThisRunDidNotWrite(@TempDir Path out)
      throws IOException {
    String[] all = {
      "gen", "records", "--schemas", "shop", "--package", PACKAGE, "--out", out.toString()
    };
    assertThat(CliRunnerAccess.run(db.url(), all).exitCode()).isZero();
    Path pkg = out.resolve("com/acme/db");
    Files.writeString(
        pkg.resolve("Handwritten.java"), "package com.acme.db;\nclass Handwritten {}\n");
    List<String> args = new ArrayList<>(List.of(all));
    args.addAll(List.of("--tables", "people", "--clean"));
    var result = CliRunnerAccess.run(db.url(), args.toArray(String[]::new));
    assertThat(result.exitCode()).as(result.toString()).isZero();
    try (Stream<Path> files = Files.list(pkg)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("Person.java", "Handwritten.java");
    }
    assertThat(result.out()).contains("Removed " + pkg.resolve("Contacts.java"));
  }

  @Test
  void citextIsAString(@TempDir Path out) throws Exception {
    assumeThat(db.queryLong("select count(*) from pg_available_extensions where name = 'citext'"))
        .as("the citext extension is available")
        .isEqualTo(1);
    db.execute(
        "create extension if not exists citext;"
            + " create schema ci; create table ci.users (email citext not null, alias citext[]);"
            + " insert into ci.users values ('Ada@Example.com', '{A,B}')");
    var result =
        CliRunnerAccess.run(
            db.url(),
            "gen",
            "records",
            "--schemas",
            "ci",
            "--package",
            "ci.db",
            "--out",
            out.resolve("src").toString());
    assertThat(result.exitCode()).as(result.toString()).isZero();
    var loader =
        GeneratedCode.loader(
            GeneratedCode.compile(out.resolve("src"), out.resolve("classes")), "ci.db");
    assertThat(GeneratedCode.componentTypes(loader.apply("User")))
        .containsExactly(
            Map.entry("email", "java.lang.String"),
            Map.entry("alias", "java.util.List<java.lang.String>"));
    Object user =
        STRICT.readValue(json("select to_jsonb(u)::text from ci.users u"), loader.apply("User"));
    assertThat(GeneratedCode.values(user))
        .containsEntry("email", "Ada@Example.com")
        .containsEntry("alias", List.of("A", "B"));
  }

  private static Object constant(Class<?> enumType, String name) {
    return Stream.of(enumType.getEnumConstants())
        .filter(c -> c.toString().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static String rowJson(String table, UUID id) {
    return json("select to_jsonb(t)::text from " + table + " t where id = '" + id + "'");
  }

  /** One JSON text, read in a session whose time zone is far from UTC. */
  private static String json(String sql) {
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement()) {
      st.execute("set time zone 'Asia/Kolkata'");
      try (ResultSet rs = st.executeQuery(sql)) {
        assertThat(rs.next()).as(sql).isTrue();
        String json = rs.getString(1);
        st.execute("reset time zone");
        return json;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String resource(String name) {
    try (var in = CodegenIT.class.getClassLoader().getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
