package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** DBT-1..3: tasks run on inserts, updates and deletes of the application's rows. */
class RowTriggersIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  /** The columns a welcome needs. */
  record ContactEmail(long id, String email) {}

  /** A whole row of public.contacts, with the column names Postgres uses. */
  record Contact(
      long id,
      String email,
      boolean active,
      BigDecimal score,
      List<String> tags,
      JsonNode meta,
      @JsonProperty("seen_at") Instant seenAt) {}

  static final TaskDefinition<ContactEmail, Void> WELCOME =
      TaskDefinition.of("welcome-contact", ContactEmail.class);
  static final TaskDefinition<JsonNode, Void> AUDIT =
      TaskDefinition.of("audit-contacts", JsonNode.class).onQueue("audit");
  static final TaskDefinition<Void, Void> FAREWELL = TaskDefinition.of("farewell", Void.class);
  static final TaskDefinition<JsonNode, Void> RAW = TaskDefinition.of("raw-rows", JsonNode.class);

  static final TaskSchemas TASKS = TaskSchemas.of(WELCOME, AUDIT, FAREWELL, RAW);
  static final WorkerConfig FAST_POLL =
      WorkerConfig.builder().pollInterval(Duration.ofMillis(20)).build();

  @BeforeEach
  void freshTable() {
    db.installSchema();
    db.execute("drop table if exists public.contacts cascade");
    db.execute("delete from pgconductor.row_triggers");
    db.execute("select count(*) from pgconductor.apply_row_triggers()");
    db.execute("truncate pgconductor.executions, pgconductor.finished_executions");
    db.execute(
        """
        create table public.contacts (
          id bigint primary key, email text, active boolean not null default true,
          score numeric, tags text[], meta jsonb, seen_at timestamptz)""");
  }

  @Test
  void eachCommittedChangeReachesEachSubscribedTaskOnceWithItsColumnsAndJsonTypes()
      throws Exception {
    List<TaskEvent.RowChanged<?>> welcomed = new CopyOnWriteArrayList<>();
    List<TaskEvent.RowChanged<?>> audited = new CopyOnWriteArrayList<>();
    List<TaskEvent.RowChanged<?>> farewells = new CopyOnWriteArrayList<>();
    try (var conductor = db.conductor(TASKS).build()) {
      var welcome =
          conductor.createTask(
              TaskOptions.of(WELCOME),
              Trigger.onInsert("public", "contacts").columns("id", "email").when("new.active"),
              (event, ctx) -> {
                welcomed.add((TaskEvent.RowChanged<?>) event);
                return null;
              });
      var audit =
          conductor.createTask(
              TaskOptions.of(AUDIT),
              List.of(
                  Trigger.onInsert("public", "contacts"),
                  Trigger.onUpdate("public", "contacts")
                      .when("new.email is distinct from old.email")),
              (event, ctx) -> {
                audited.add((TaskEvent.RowChanged<?>) event);
                return null;
              });
      var farewell =
          conductor.createTask(
              TaskOptions.of(FAREWELL),
              Trigger.onDelete("public", "contacts").columns("id"),
              (event, ctx) -> {
                farewells.add((TaskEvent.RowChanged<?>) event);
                return null;
              });
      try (var orchestrator =
          Orchestrator.builder(conductor)
              .tasks(welcome, farewell)
              .defaultWorker(FAST_POLL)
              .workers(conductor.createWorker("audit", List.of(audit), FAST_POLL))
              .handleSignals(false)
              .build()) {
        orchestrator.start();
        db.execute(
            """
            insert into public.contacts values
              (1, 'ada@example.com', true, 1.50, '{vip,early}', '{"plan": {"tier": 2}}',
               '2026-03-01T10:15:30.123456Z'),
              (2, 'bob@example.com', false, null, null, null, null)""");
        try (Connection c = db.dataSource().getConnection()) {
          c.setAutoCommit(false);
          try (Statement st = c.createStatement()) {
            st.execute("insert into public.contacts (id, email) values (3, 'gone@example.com')");
            st.execute("update public.contacts set email = 'never@example.com' where id = 1");
          }
          c.rollback();
        }
        db.execute("update public.contacts set email = 'bobby@example.com' where id = 2");
        db.execute("update public.contacts set score = 2 where id = 1"); // email unchanged
        db.execute("delete from public.contacts where id = 2");

        await()
            .atMost(Duration.ofSeconds(15))
            .until(() -> welcomed.size() == 1 && audited.size() == 3 && farewells.size() == 1);
        assertThat(orchestrator.drain(Duration.ofSeconds(10))).isTrue();
      }
    }
    assertThat(welcomed).hasSize(1);
    assertThat(audited).hasSize(3);
    assertThat(farewells).hasSize(1);

    var welcomeEvent = welcomed.get(0);
    assertThat(welcomeEvent.name()).isEqualTo("public.contacts.insert");
    assertThat(welcomeEvent.operation()).isEqualTo(RowOperation.INSERT);
    assertThat(welcomeEvent.payload()).isEqualTo(new ContactEmail(1, "ada@example.com"));
    assertThat(welcomeEvent.oldRow()).isNull();
    assertThat(welcomeEvent.newRow().toString())
        .isEqualTo("{\"id\":1,\"email\":\"ada@example.com\"}");

    var inserts = audited.stream().filter(e -> e.operation() == RowOperation.INSERT).toList();
    assertThat(inserts).hasSize(2);
    JsonNode ada =
        inserts.stream()
            .map(TaskEvent.RowChanged::newRow)
            .filter(row -> row.get("id").asLong() == 1)
            .findFirst()
            .orElseThrow();
    assertThat(ada.get("id").isIntegralNumber()).isTrue();
    assertThat(ada.get("active").isBoolean()).isTrue();
    assertThat(ada.get("score").isNumber()).isTrue();
    assertThat(ada.get("score").decimalValue()).isEqualByComparingTo("1.50");
    assertThat(ada.get("tags").isArray()).isTrue();
    assertThat(ada.get("meta").at("/plan/tier").asInt()).isEqualTo(2);
    Contact adaRow =
        inserts.stream()
            .filter(e -> e.newRow().get("id").asLong() == 1)
            .findFirst()
            .orElseThrow()
            .newRow(Contact.class);
    assertThat(adaRow.email()).isEqualTo("ada@example.com");
    assertThat(adaRow.tags()).containsExactly("vip", "early");
    assertThat(adaRow.seenAt()).isEqualTo(Instant.parse("2026-03-01T10:15:30.123456Z"));
    Contact bobRow =
        inserts.stream()
            .filter(e -> e.newRow().get("id").asLong() == 2)
            .findFirst()
            .orElseThrow()
            .newRow(Contact.class);
    assertThat(bobRow.score()).isNull();
    assertThat(bobRow.tags()).isNull();
    assertThat(bobRow.seenAt()).isNull();

    var update =
        audited.stream()
            .filter(e -> e.operation() == RowOperation.UPDATE)
            .findFirst()
            .orElseThrow();
    assertThat(update.name()).isEqualTo("public.contacts.update");
    assertThat(update.oldRow(Contact.class).email()).isEqualTo("bob@example.com");
    assertThat(update.newRow(Contact.class).email()).isEqualTo("bobby@example.com");
    assertThat(((JsonNode) update.payload()).get("email").asText()).isEqualTo("bobby@example.com");

    var gone = farewells.get(0);
    assertThat(gone.name()).isEqualTo("public.contacts.delete");
    assertThat(gone.newRow()).isNull();
    assertThat(gone.oldRow().toString()).isEqualTo("{\"id\":2}");
    assertThat(gone.payload()).isNull(); // the task's payload type is Void
  }

  @Test
  void triggersOutliveTheOrchestratorAndFollowTheCodeAtTheNextStart() {
    Map<String, List<JsonNode>> rows = new ConcurrentHashMap<>();
    // 1. columns id, email
    runOnce(Trigger.onInsert("public", "contacts").columns("id", "email"), rows, 0);
    // a change while no orchestrator runs is kept and delivered at the next start
    db.execute("insert into public.contacts (id, email) values (10, 'while-down@example.com')");
    // 2. the columns changed: the trigger is made again, with id and active
    runOnce(Trigger.onInsert("public", "contacts").columns("id", "active"), rows, 1);
    db.execute("insert into public.contacts (id, email) values (11, 'after@example.com')");
    runOnce(Trigger.onInsert("public", "contacts").columns("id", "active"), rows, 1);
    assertThat(rows.get("welcome-contact").stream().map(JsonNode::toString))
        .containsExactly(
            "{\"id\":10,\"email\":\"while-down@example.com\"}", "{\"id\":11,\"active\":true}");

    // the condition changed: the trigger is made again and filters with it
    runOnce(Trigger.onInsert("public", "contacts").columns("id").when("new.id > 100"), rows, 0);
    db.execute("insert into public.contacts (id, email) values (50, 'small@example.com')");
    db.execute("insert into public.contacts (id, email) values (150, 'large@example.com')");
    runOnce(Trigger.onInsert("public", "contacts").columns("id").when("new.id > 100"), rows, 1);
    assertThat(rows.get("welcome-contact").getLast().toString()).isEqualTo("{\"id\":150}");

    // 3. the task no longer subscribes: its trigger is dropped, inserts create nothing
    runOnce(Trigger.invocable(), rows, 0);
    db.execute("insert into public.contacts (id, email) values (12, 'unheard@example.com')");
    assertThat(db.queryLong("select count(*) from pgconductor.all_executions")).isEqualTo(3);
    assertThat(
            db.queryLong(
                "select count(*) from pg_trigger where tgrelid = 'public.contacts'::regclass"))
        .isZero();
  }

  /** Starts an orchestrator with WELCOME on this trigger, runs what is due, stops. */
  private void runOnce(Trigger trigger, Map<String, List<JsonNode>> rows, int expected) {
    try (var conductor = db.conductor(TASKS).build()) {
      var welcome =
          conductor.createTask(
              TaskOptions.of(WELCOME),
              List.of(trigger, Trigger.invocable()),
              (event, ctx) -> {
                if (event instanceof TaskEvent.RowChanged<ContactEmail> change) {
                  rows.computeIfAbsent("welcome-contact", k -> new CopyOnWriteArrayList<>())
                      .add(change.newRow());
                }
                return null;
              });
      int before = rows.getOrDefault("welcome-contact", List.of()).size();
      try (var orchestrator =
          Orchestrator.builder(conductor)
              .tasks(welcome)
              .defaultWorker(FAST_POLL)
              .handleSignals(false)
              .build()) {
        orchestrator.start();
        assertThat(orchestrator.drain(Duration.ofSeconds(10))).isTrue();
      }
      assertThat(rows.getOrDefault("welcome-contact", List.of())).hasSize(before + expected);
    }
  }

  @Test
  void bulkStatementsCreateOneExecutionPerRowAndPairEachOldRowWithItsNewOne() throws Exception {
    Map<Long, JsonNode> inserted = new ConcurrentHashMap<>();
    List<TaskEvent.RowChanged<JsonNode>> updates = new CopyOnWriteArrayList<>();
    List<JsonNode> deleted = new CopyOnWriteArrayList<>();
    try (var conductor = db.conductor(TASKS).build()) {
      var raw =
          conductor.createTask(
              TaskOptions.of(RAW),
              List.of(
                  Trigger.onInsert("public", "contacts").columns("id"),
                  Trigger.onUpdate("public", "contacts").columns("id", "email"),
                  Trigger.onDelete("public", "contacts")),
              (event, ctx) -> {
                var change = (TaskEvent.RowChanged<JsonNode>) event;
                if (change.operation() == RowOperation.UPDATE) {
                  updates.add(change);
                } else if (change.operation() == RowOperation.DELETE) {
                  deleted.add(change.oldRow());
                } else if (inserted.put(change.payload().get("id").asLong(), change.payload())
                    != null) {
                  throw new AssertionError("twice: " + change);
                }
                return null;
              });
      // the orchestrator installs the triggers; they stay when it stops
      try (var orchestrator =
          Orchestrator.builder(conductor).tasks(raw).handleSignals(false).build()) {
        orchestrator.start();
      }
      db.execute(
          "insert into public.contacts (id, email)"
              + " select g, 'c' || g || '@example.com' from generate_series(1, 12000) g");
      try (Connection c = db.dataSource().getConnection()) {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
          st.execute(
              "insert into public.contacts (id) select g from generate_series(20001, 25000) g");
        }
        c.rollback();
      }
      // every row changes its key: a pairing by key would find nothing
      db.execute("update public.contacts set id = id + 1000000, email = upper(email)");
      // a small statement takes the direct path, a big one is staged: the same events
      db.execute("update public.contacts set email = lower(email) where id <= 1000003");
      db.execute("delete from public.contacts where id > 1010000"); // 2,000 rows, every column
      try (var orchestrator =
          Orchestrator.builder(conductor)
              .tasks(raw)
              .defaultWorker(WorkerConfig.builder().concurrency(50).build())
              .handleSignals(false)
              .build()) {
        assertThat(orchestrator.drain(Duration.ofSeconds(60))).isTrue();
      }
    }
    assertThat(inserted).hasSize(12000);
    assertThat(inserted.get(7L).toString()).isEqualTo("{\"id\":7}");
    // 12,000 staged updates, each new row paired with its own old row, and 3 direct ones
    assertThat(updates).hasSize(12003);
    var staged =
        updates.stream()
            .filter(u -> u.newRow().get("id").asLong() != u.oldRow().get("id").asLong())
            .toList();
    assertThat(staged).hasSize(12000);
    assertThat(staged)
        .allSatisfy(
            u -> {
              assertThat(u.newRow().get("id").asLong())
                  .isEqualTo(u.oldRow().get("id").asLong() + 1000000);
              assertThat(u.newRow().get("email").asText())
                  .isEqualTo(u.oldRow().get("email").asText().toUpperCase(java.util.Locale.ROOT));
            });
    assertThat(staged.stream().map(u -> u.oldRow().get("id").asLong()).distinct()).hasSize(12000);
    var direct = updates.stream().filter(u -> !staged.contains(u)).toList();
    assertThat(direct.stream().map(u -> u.newRow().toString()))
        .containsExactlyInAnyOrder(
            "{\"id\":1000001,\"email\":\"c1@example.com\"}",
            "{\"id\":1000002,\"email\":\"c2@example.com\"}",
            "{\"id\":1000003,\"email\":\"c3@example.com\"}");
    assertThat(deleted).hasSize(2000);
    assertThat(deleted)
        .allSatisfy(
            row -> {
              List<String> columns = new ArrayList<>();
              row.fieldNames().forEachRemaining(columns::add);
              assertThat(columns)
                  .containsExactlyInAnyOrder(
                      "id", "email", "active", "score", "tags", "meta", "seen_at");
            });
    assertThat(deleted.stream().map(row -> row.get("id").asLong()))
        .allMatch(id -> id > 1010000 && id <= 1012000);
    assertThat(db.queryLong("select count(*) from pgconductor.row_changes")).isZero();
  }

  @Test
  void unknownNamesAndUnusableConditionsFailTheStartNamingThemAndWriteNothing() {
    db.execute("create or replace view public.contacts_view as select * from public.contacts");
    record Case(Trigger trigger, String[] message) {}
    List<Case> cases = new ArrayList<>();
    cases.add(new Case(Trigger.onInsert("sales", "contacts"), new String[] {"schema \"sales\""}));
    cases.add(
        new Case(Trigger.onInsert("public", "contact"), new String[] {"table \"public.contact\""}));
    cases.add(
        new Case(
            Trigger.onInsert("public", "contacts_view"),
            new String[] {"public.contacts_view", "is not a table"}));
    cases.add(
        new Case(
            Trigger.onUpdate("public", "contacts").columns("id", "e_mail"),
            new String[] {"column \"e_mail\"", "public.contacts"}));
    cases.add(
        new Case(
            Trigger.onInsert("public", "contacts").when("old.email is null"),
            new String[] {"old.email is null", "over new"}));
    cases.add(
        new Case(
            Trigger.onUpdate("public", "contacts").when("new.nickname <> old.nickname"),
            new String[] {"nickname", "over new and old"}));
    for (Case c : cases) {
      try (var conductor = db.conductor(TASKS).build()) {
        var welcome =
            conductor.createTask(TaskOptions.of(WELCOME), c.trigger(), (event, ctx) -> null);
        var orchestrator =
            Orchestrator.builder(conductor).tasks(welcome).handleSignals(false).build();
        assertThatThrownBy(orchestrator::start)
            .isInstanceOf(PgConductorException.class)
            .hasMessageContaining("welcome-contact")
            .hasMessageContainingAll(c.message());
      }
      assertThat(db.queryLong("select count(*) from pgconductor.row_triggers")).isZero();
      assertThat(
              db.queryLong(
                  "select count(*) from pg_trigger where tgrelid = 'public.contacts'::regclass"))
          .isZero();
    }
  }

  @Test
  void namesAndConditionsNeverRunAnythingButTheTrigger() throws Exception {
    db.execute("create table if not exists public.victim (x int)");
    // a table and a column whose names hold SQL are just names
    String table = "odd\"; drop table public.victim; --";
    String column = "col'); drop table public.victim; --";
    db.execute(
        "drop table if exists public.\"odd\"\"; drop table public.victim; --\"; "
            + "create table public.\"odd\"\"; drop table public.victim; --\" "
            + "(id int, \"col'); drop table public.victim; --\" text)");
    try (var conductor = db.conductor(TASKS).build()) {
      var audit =
          conductor.createTask(
              TaskOptions.of(RAW),
              Trigger.onInsert("public", table).columns("id", column).when("new.id > 0"),
              (event, ctx) -> null);
      try (var orchestrator =
          Orchestrator.builder(conductor).tasks(audit).handleSignals(false).build()) {
        orchestrator.start();
      }
    }
    db.execute(
        "insert into public.\"odd\"\"; drop table public.victim; --\" values (1, 'x'), (0, 'y')");
    assertThat(
            db.dataSourceQueryString(
                "select payload::text from pgconductor.executions"
                    + " where task_key = 'raw-rows'"))
        .contains("\"col'); drop table public.victim; --\": \"x\"");
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isEqualTo(1);

    // a schema name that holds SQL: unknown, and nothing runs
    try (var conductor = db.conductor(TASKS).build()) {
      var audit =
          conductor.createTask(
              TaskOptions.of(RAW),
              Trigger.onInsert("public\"; drop table public.victim; --", "contacts"),
              (event, ctx) -> null);
      var orchestrator = Orchestrator.builder(conductor).tasks(audit).handleSignals(false).build();
      assertThatThrownBy(orchestrator::start)
          .isInstanceOf(PgConductorException.class)
          .hasMessageContaining("does not exist");
    }

    // conditions that try to end the expression are refused when the task is created
    for (String condition :
        List.of(
            "true); drop table public.victim; --",
            "true) or (true",
            "new.id > 0 /* comment */",
            "new.email = $$x$$",
            "new.email = E'\\''",
            "(new.id > 0")) {
      try (var conductor = db.conductor(TASKS).build()) {
        assertThatThrownBy(
                () ->
                    conductor.createTask(
                        TaskOptions.of(RAW),
                        Trigger.onInsert("public", "contacts").when(condition),
                        (event, ctx) -> null))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("raw-rows")
            .hasMessageContaining("one boolean SQL expression");
      }
    }
    // and the SQL function refuses them too when called directly
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement()) {
      assertThatThrownBy(
              () ->
                  st.execute(
                      "select pgconductor.register_row_triggers(array['t'], array['t'],"
                          + " array['public'], array['contacts'], array['insert'],"
                          + " array[null::jsonb], array['true) limit 0; drop table public.victim;"
                          + " select (true'])"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("may not contain");
    }
    assertThat(db.queryLong("select count(*) from public.victim")).isZero(); // still there
  }

  @Test
  void aRoleThatMayNotCreateTriggersFailsClearlyUntilAnOperatorAppliesThem() throws Exception {
    String role = "pgc_app_" + ProcessHandle.current().pid();
    db.execute("drop role if exists " + role);
    db.execute("create role " + role + " login");
    try {
      db.execute("grant usage, create on schema pgconductor to " + role);
      db.execute("grant all on all tables in schema pgconductor to " + role);
      db.execute("grant select, insert, update, delete on public.contacts to " + role);
      String appUrl = withUser(db.url(), role);
      List<String> heard = new CopyOnWriteArrayList<>();
      try (var conductor = Conductor.builder().connectionString(appUrl).tasks(TASKS).build()) {
        var welcome =
            conductor.createTask(
                TaskOptions.of(WELCOME),
                Trigger.onInsert("public", "contacts").columns("id", "email"),
                (event, ctx) -> {
                  heard.add(event.payload().email());
                  return null;
                });
        var refused = Orchestrator.builder(conductor).tasks(welcome).handleSignals(false).build();
        assertThatThrownBy(refused::start)
            .isInstanceOf(PgConductorException.class)
            .hasMessageContaining("may not create")
            .hasMessageContaining("pgconductor.apply_row_triggers()");

        // the operator, as the table's owner, makes the trigger the code registered
        assertThat(
                db.queryLong(
                    "select count(*) from pgconductor.apply_row_triggers()"
                        + " where action = 'created'"))
            .isEqualTo(1);

        try (var orchestrator =
            Orchestrator.builder(conductor)
                .tasks(welcome)
                .defaultWorker(FAST_POLL)
                .handleSignals(false)
                .build()) {
          orchestrator.start(); // nothing to change: the application's role is enough
          try (Connection c = java.sql.DriverManager.getConnection(appUrl);
              Statement st = c.createStatement()) {
            st.execute("insert into public.contacts (id, email) values (1, 'ops@example.com')");
          }
          await().atMost(Duration.ofSeconds(10)).until(() -> heard.size() == 1);
        }
      }
      assertThat(heard).containsExactly("ops@example.com");
    } finally {
      db.execute(
          "select pg_terminate_backend(pid) from pg_stat_activity where usename = '" + role + "'");
      db.execute("drop owned by " + role);
      db.execute("drop role " + role);
    }
  }

  private static String withUser(String url, String user) {
    if (url.matches(".*[?&]user=.*")) {
      return url.replaceAll("([?&])user=[^&]*", "$1user=" + user);
    }
    return url + (url.contains("?") ? "&" : "?") + "user=" + user;
  }
}
