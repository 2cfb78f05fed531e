package dev.pgconductor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.testing.PgDatabaseExtension;
import dev.pgconductor.testing.TestClock;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * Defining and registering tasks, payload validation, results, custom context and the task logger
 * (DEF-1..6), and the Conductor builder's own errors.
 */
class DefinitionIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  record Greet(String name) {}

  record Greeting(String text) {}

  record Signup(@NotBlank String name, @Email String email, @Min(18) int age) {}

  record Address(@NotBlank String city) {}

  record Order(@Valid Address shipTo) {}

  record Tags(List<@NotBlank String> tags) {}

  record Opaque(Object value) {}

  record Line(String sku, int quantity) {}

  record Report(
      String title,
      List<Line> lines,
      Map<String, Integer> totals,
      Map<String, List<String>> groups,
      Instant generatedAt,
      Greeting nested) {}

  record App(String name) {}

  static final TaskDefinition<Greet, Greeting> GREET =
      TaskDefinition.of("greet", Greet.class, Greeting.class);
  static final TaskDefinition<Signup, Void> SIGNUP = TaskDefinition.of("signup", Signup.class);
  static final TaskDefinition<Order, Void> ORDER = TaskDefinition.of("order", Order.class);
  static final TaskDefinition<Tags, Void> TAGS = TaskDefinition.of("tags", Tags.class);
  static final TaskDefinition<Opaque, Void> OPAQUE = TaskDefinition.of("opaque", Opaque.class);
  static final TaskDefinition<Greet, Report> REPORT =
      TaskDefinition.of("report", Greet.class, Report.class);
  static final TaskDefinition<Greet, Void> MAIL =
      TaskDefinition.of("mail", Greet.class).onQueue("mail");

  private final List<Conductor<?>> conductors = new ArrayList<>();

  @BeforeAll
  static void install() {
    db.installSchema();
  }

  @BeforeEach
  void emptyTables() {
    db.emptyExecutionTables();
  }

  @AfterEach
  void closeConductors() {
    conductors.reversed().forEach(Conductor::close);
  }

  // DEF-1

  @Test
  void maxAttemptsDefaultsToThreeAndCanBeSet() {
    assertThat(TaskOptions.of(GREET).maxAttempts()).isEqualTo(3);
    assertThat(TaskOptions.of(GREET).maxAttempts(5).maxAttempts()).isEqualTo(5);
    assertThat(TaskOptions.of(GREET).queue()).isEqualTo("default");
    assertThat(TaskOptions.named("cleanup").definition())
        .isEqualTo(new TaskDefinition<>("cleanup", Void.class, Void.class, "default"));
  }

  @Test
  void maxAttemptsBelowOneIsRejectedNamingTheTask() {
    assertThatThrownBy(() -> TaskOptions.of(GREET).maxAttempts(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("greet")
        .hasMessageContaining("0");
    assertThatThrownBy(() -> TaskOptions.of(GREET).maxAttempts(-3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-3");
  }

  @Test
  void invalidTaskAndQueueNamesAreRejected() {
    assertThatThrownBy(() -> TaskDefinition.of("", Greet.class))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TaskDefinition.of("bad name; drop table x", Greet.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bad name");
    assertThatThrownBy(() -> GREET.onQueue("no spaces please"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queue");
  }

  @Test
  void createTaskNeedsAtLeastOneTrigger() {
    var conductor = conductor(TaskSchemas.of(GREET));
    assertThatThrownBy(
            () -> conductor.createTask(TaskOptions.of(GREET), List.of(), (event, ctx) -> null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("greet");
  }

  @Test
  void createTaskKeepsOptionsAndTriggersAndTheOrchestratorRegistersThem() {
    var conductor = conductor(TaskSchemas.of(GREET, SIGNUP));
    Task<Greet, Greeting> greet =
        conductor.createTask(
            TaskOptions.of(GREET).maxAttempts(5),
            List.of(Trigger.invocable()),
            (event, ctx) -> new Greeting("hi"));
    Task<Signup, Void> signup =
        conductor.createTask(TaskOptions.of(SIGNUP), Trigger.invocable(), (event, ctx) -> null);

    assertThat(greet.name()).isEqualTo("greet");
    assertThat(greet.definition()).isEqualTo(GREET);
    assertThat(greet.options().maxAttempts()).isEqualTo(5);
    assertThat(greet.triggers()).containsExactly(Trigger.invocable());

    orchestrator(conductor, greet, signup).drain();

    assertThat(taskRows())
        .containsExactlyInAnyOrder(
            tuple("greet", "default", 5, true), tuple("signup", "default", 3, true));
  }

  @Test
  void withDefaultOptionsAFailingHandlerIsAttemptedThreeTimes() {
    var clock = new TestClock();
    var conductor = track(db.conductor(TaskSchemas.of(GREET)).poolSize(4).clock(clock).build());
    var attempts = new AtomicInteger();
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              attempts.incrementAndGet();
              throw new IllegalStateException("attempt " + ctx.attempt() + " failed");
            });
    String id = conductor.invoke(GREET, new Greet("x")).orElseThrow();

    orchestrator(conductor, task).drain();
    assertThat(attempts).hasValue(1);
    clock.advance(Duration.ofSeconds(15));
    orchestrator(conductor, task).drain();
    assertThat(attempts).hasValue(2);
    assertThat(conductor.getExecution(GREET, id).orElseThrow().state())
        .isEqualTo(ExecutionState.PENDING);
    clock.advance(Duration.ofSeconds(30));
    orchestrator(conductor, task).drain();
    clock.advance(Duration.ofMinutes(10));
    orchestrator(conductor, task).drain();

    assertThat(attempts).hasValue(3);
    var execution = conductor.getExecution(GREET, id).orElseThrow();
    assertThat(execution.state()).isEqualTo(ExecutionState.FAILED);
    assertThat(execution.attempts()).isEqualTo(3);
    assertThat(execution.lastError()).isEqualTo("attempt 3 failed");
  }

  // DEF-2

  @Test
  void registeringATaskThatIsNotDefinedFailsNamingIt() {
    var conductor = conductor(TaskSchemas.of(GREET));
    var undefined = TaskDefinition.of("not-in-schemas", Greet.class);

    assertThatThrownBy(
            () ->
                conductor.createTask(
                    TaskOptions.of(undefined), Trigger.invocable(), (event, ctx) -> null))
        .isInstanceOfSatisfying(
            UnknownTaskException.class, e -> assertThat(e.taskName()).isEqualTo("not-in-schemas"))
        .hasMessageContaining("not-in-schemas");
    assertThatThrownBy(
            () ->
                conductor.createTask(
                    TaskOptions.named("cleanup"), Trigger.invocable(), (event, ctx) -> null))
        .isInstanceOf(UnknownTaskException.class)
        .hasMessageContaining("cleanup");
  }

  @Test
  void registeringWithTheSameNameButOtherTypesFailsSayingWhatDiffers() {
    var conductor = conductor(TaskSchemas.of(GREET));
    var otherPayload = TaskDefinition.of("greet", Signup.class, Greeting.class);
    var otherResult = TaskDefinition.of("greet", Greet.class, String.class);

    assertThatThrownBy(
            () ->
                conductor.createTask(
                    TaskOptions.of(otherPayload), Trigger.invocable(), (event, ctx) -> null))
        .isInstanceOf(UnknownTaskException.class)
        .hasMessageContaining("greet")
        .hasMessageContaining("Signup")
        .hasMessageContaining("Greet");
    assertThatThrownBy(
            () ->
                conductor.createTask(
                    TaskOptions.of(otherResult), Trigger.invocable(), (event, ctx) -> "x"))
        .isInstanceOf(UnknownTaskException.class)
        .hasMessageContaining("String");
  }

  @Test
  void registeringOnAnotherQueueThanTheDefinitionFailsNamingBoth() {
    var conductor = conductor(TaskSchemas.of(GREET));

    assertThatThrownBy(
            () ->
                conductor.createTask(
                    TaskOptions.of(GREET).queue("fast"),
                    Trigger.invocable(),
                    (event, ctx) -> new Greeting("x")))
        .isInstanceOf(UnknownTaskException.class)
        .hasMessageContaining("greet")
        .hasMessageContaining("'fast'")
        .hasMessageContaining("'default'");
  }

  @Test
  void registeringATaskTwiceFails() {
    var conductor = conductor(TaskSchemas.of(GREET));
    var first =
        conductor.createTask(
            TaskOptions.of(GREET), Trigger.invocable(), (event, ctx) -> new Greeting("first"));

    assertThatThrownBy(
            () ->
                conductor.createTask(
                    TaskOptions.of(GREET).maxAttempts(2),
                    Trigger.invocable(),
                    (event, ctx) -> new Greeting("second")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("greet")
        .hasMessageContaining("already registered");

    // the first registration stays in force
    String id = conductor.invoke(GREET, new Greet("x")).orElseThrow();
    orchestrator(conductor, first).drain();
    assertThat(conductor.getExecution(GREET, id).orElseThrow().result())
        .isEqualTo(new Greeting("first"));
  }

  @Test
  void definingTheSameNameTwiceInTaskSchemasFails() {
    assertThatThrownBy(() -> TaskSchemas.of(GREET, TaskDefinition.of("greet", Signup.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("greet");
  }

  // DEF-3

  @Test
  void payloadViolatingBeanValidationIsRejectedListingEveryViolationAndNothingIsWritten() {
    var conductor = conductor(TaskSchemas.of(SIGNUP));

    assertThatThrownBy(() -> conductor.invoke(SIGNUP, new Signup(" ", "not-an-email", 12)))
        .isInstanceOfSatisfying(
            InvalidPayloadException.class,
            e -> {
              assertThat(e.taskName()).isEqualTo("signup");
              assertThat(e.violations())
                  .hasSize(3)
                  .anySatisfy(v -> assertThat(v).startsWith("name:").contains("blank"))
                  .anySatisfy(v -> assertThat(v).startsWith("email:"))
                  .anySatisfy(v -> assertThat(v).startsWith("age:").contains("18"));
            })
        .hasMessageContaining("signup")
        .hasMessageContaining("name");
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
  }

  @Test
  void validPayloadWithConstraintsIsStored() {
    var conductor = conductor(TaskSchemas.of(SIGNUP));

    String id = conductor.invoke(SIGNUP, new Signup("Ada", "ada@example.com", 36)).orElseThrow();

    assertThat(
            queryString(
                "select payload->>'email' from pgconductor.executions where id = ?::uuid", id))
        .isEqualTo("ada@example.com");
  }

  @Test
  void nestedPayloadMarkedValidIsValidatedToo() {
    var conductor = conductor(TaskSchemas.of(ORDER));

    assertThatThrownBy(() -> conductor.invoke(ORDER, new Order(new Address(""))))
        .isInstanceOfSatisfying(
            InvalidPayloadException.class,
            e -> assertThat(e.violations()).singleElement().asString().startsWith("shipTo.city:"));
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
  }

  @Test
  void constraintsOnListElementsAreValidated() {
    var conductor = conductor(TaskSchemas.of(TAGS));

    assertThatThrownBy(() -> conductor.invoke(TAGS, new Tags(List.of("ok", " "))))
        .isInstanceOfSatisfying(
            InvalidPayloadException.class,
            e -> assertThat(e.violations()).singleElement().asString().contains("tags"));
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void payloadOfTheWrongRuntimeTypeIsRejectedAndNothingIsWritten() {
    var conductor = conductor(TaskSchemas.of(GREET));
    TaskDefinition raw = GREET;

    assertThatThrownBy(() -> conductor.invoke(raw, new Signup("a", "a@b.c", 20)))
        .isInstanceOfSatisfying(
            InvalidPayloadException.class,
            e ->
                assertThat(e.violations())
                    .singleElement()
                    .asString()
                    .contains(Signup.class.getName())
                    .contains(Greet.class.getName()));
    assertThatThrownBy(() -> conductor.invoke(GREET, null))
        .isInstanceOf(InvalidPayloadException.class)
        .hasMessageContaining("null");
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
  }

  @Test
  void payloadThatCannotBeWrittenAsJsonIsRejectedAndNothingIsWritten() {
    var conductor = conductor(TaskSchemas.of(OPAQUE));

    assertThatThrownBy(() -> conductor.invoke(OPAQUE, new Opaque(new Object())))
        .isInstanceOf(InvalidPayloadException.class)
        .hasMessageContaining("opaque")
        .hasMessageContaining("JSON");
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();
  }

  @Test
  void payloadWithANulCharacterIsRejectedAsInvalidAndNothingIsWritten() {
    var conductor = conductor(TaskSchemas.of(GREET));

    assertThatThrownBy(() -> conductor.invoke(GREET, new Greet("bad\u0000name")))
        .isInstanceOfSatisfying(
            InvalidPayloadException.class,
            e -> assertThat(e.violations()).singleElement().asString().contains("U+0000"));
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isZero();

    // a backslash followed by the text "u0000" is fine
    String id = conductor.invoke(GREET, new Greet("C:\\u0000\\dir")).orElseThrow();
    assertThat(
            queryString(
                "select payload->>'name' from pgconductor.executions where id = ?::uuid", id))
        .isEqualTo("C:\\u0000\\dir");
  }

  // DEF-4

  @Test
  void resultIsStoredAsJsonbAndReadBackTyped() {
    var conductor = conductor(TaskSchemas.of(GREET));
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> new Greeting("Hello, " + event.payload().name()));
    String id = conductor.invoke(GREET, new Greet("World")).orElseThrow();

    orchestrator(conductor, task).drain();

    assertThat(
            queryString(
                "select jsonb_typeof(result) from pgconductor.finished_executions where id = ?::uuid",
                id))
        .isEqualTo("object");
    assertThat(
            queryString(
                "select result->>'text' from pgconductor.finished_executions where id = ?::uuid",
                id))
        .isEqualTo("Hello, World");
    assertThat(conductor.getExecution(GREET, id).orElseThrow().result())
        .isEqualTo(new Greeting("Hello, World"));
  }

  @Test
  void resultWithNestedListsMapsAndInstantsRoundTrips() {
    Instant at = Instant.parse("2025-03-04T05:06:07.123456Z");
    var expected =
        new Report(
            "weekly",
            List.of(new Line("a-1", 2), new Line("b-2", 0)),
            Map.of("a", 2, "b", 0),
            Map.of("x", List.of("1", "2"), "empty", List.of()),
            at,
            new Greeting("nested"));
    var conductor = conductor(TaskSchemas.of(REPORT));
    var task =
        conductor.createTask(TaskOptions.of(REPORT), Trigger.invocable(), (event, ctx) -> expected);
    String id = conductor.invoke(REPORT, new Greet("x")).orElseThrow();

    orchestrator(conductor, task).drain();

    assertThat(conductor.getExecution(REPORT, id).orElseThrow().result()).isEqualTo(expected);
    assertThat(conductor.getExecution(id).orElseThrow().result()).isEqualTo(expected);
    assertThat(
            queryString(
                "select result->>'generatedAt' from pgconductor.finished_executions where id = ?::uuid",
                id))
        .isEqualTo("2025-03-04T05:06:07.123456Z");
    assertThat(
            queryString(
                "select (result->'lines'->1->>'quantity') || '/' || jsonb_typeof(result->'totals')"
                    + " || '/' || (result->'groups'->'x'->>1)"
                    + " from pgconductor.finished_executions where id = ?::uuid",
                id))
        .isEqualTo("0/object/2");
  }

  @Test
  void taskWithoutResultStoresNoValue() {
    var conductor = conductor(TaskSchemas.of(SIGNUP));
    var task =
        conductor.createTask(TaskOptions.of(SIGNUP), Trigger.invocable(), (event, ctx) -> null);
    String id = conductor.invoke(SIGNUP, new Signup("a", "a@b.c", 20)).orElseThrow();

    orchestrator(conductor, task).drain();

    var execution = conductor.getExecution(SIGNUP, id).orElseThrow();
    assertThat(execution.state()).isEqualTo(ExecutionState.COMPLETED);
    assertThat(execution.result()).isNull();
  }

  // DEF-5

  @Test
  void customContextIsReachableFromHandlersTyped() {
    var app = new App("billing");
    Conductor<App> conductor =
        track(db.conductor(TaskSchemas.of(GREET)).poolSize(4).context(app).build());
    var seen = new AtomicReference<App>();
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              App context = ctx.context(); // typed: no cast
              seen.set(context);
              return new Greeting(context.name());
            });
    String id = conductor.invoke(GREET, new Greet("x")).orElseThrow();

    orchestrator(conductor, task).drain();

    assertThat(seen.get()).isSameAs(app);
    assertThat(conductor.getExecution(GREET, id).orElseThrow().result())
        .isEqualTo(new Greeting("billing"));
  }

  @Test
  void withoutCustomContextTheHandlerSeesNull() {
    var conductor = conductor(TaskSchemas.of(GREET));
    var seen = new AtomicReference<Object>("unset");
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              seen.set(ctx.context());
              return new Greeting("x");
            });
    conductor.invoke(GREET, new Greet("x"));

    orchestrator(conductor, task).drain();

    assertThat(seen.get()).isNull();
  }

  // DEF-6

  @Test
  void taskLoggerLinesCarryTaskExecutionAndQueueAsKeyValuesAndMdc() {
    var appender = capture("test.pgconductor.definition-it.tasks");
    var conductor =
        track(
            db.conductor(TaskSchemas.of(MAIL))
                .poolSize(4)
                .logger(LoggerFactory.getLogger("test.pgconductor.definition-it.tasks"))
                .build());
    var task =
        conductor.createTask(
            TaskOptions.of(MAIL),
            Trigger.invocable(),
            (event, ctx) -> {
              ctx.logger().debug("debug {}", event.payload().name());
              ctx.logger().info("info {}", event.payload().name());
              ctx.logger().warn("warn {}", event.payload().name());
              ctx.logger()
                  .error("error {}", event.payload().name(), new IllegalStateException("boom"));
              return null;
            });
    String id = conductor.invoke(MAIL, new Greet("Ada")).orElseThrow();

    orchestrator(conductor, task).drain();

    assertThat(appender.list)
        .extracting(ILoggingEvent::getLevel, ILoggingEvent::getFormattedMessage)
        .containsExactly(
            tuple(Level.DEBUG, "debug Ada"),
            tuple(Level.INFO, "info Ada"),
            tuple(Level.WARN, "warn Ada"),
            tuple(Level.ERROR, "error Ada"));
    assertThat(appender.list.getLast().getThrowableProxy())
        .as("a trailing exception argument is logged as the line's exception")
        .isNotNull()
        .satisfies(t -> assertThat(t.getMessage()).isEqualTo("boom"));
    assertThat(appender.list)
        .allSatisfy(
            event -> {
              assertThat(keyValues(event))
                  .containsEntry("task", "mail")
                  .containsEntry("execution", id)
                  .containsEntry("queue", "mail");
              assertThat(event.getMDCPropertyMap())
                  .containsEntry("pgconductor.task", "mail")
                  .containsEntry("pgconductor.execution", id)
                  .containsEntry("pgconductor.queue", "mail");
            });
  }

  @Test
  void applicationLoggersInsideAHandlerGetTheExecutionInTheMdc() {
    var appender = capture("test.pgconductor.definition-it.app");
    var conductor = conductor(TaskSchemas.of(GREET));
    var task =
        conductor.createTask(
            TaskOptions.of(GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              LoggerFactory.getLogger("test.pgconductor.definition-it.app").info("plain line");
              return new Greeting("x");
            });
    String id = conductor.invoke(GREET, new Greet("x")).orElseThrow();

    orchestrator(conductor, task).drain();

    assertThat(appender.list)
        .singleElement()
        .satisfies(
            event ->
                assertThat(event.getMDCPropertyMap())
                    .containsEntry("pgconductor.task", "greet")
                    .containsEntry("pgconductor.execution", id)
                    .containsEntry("pgconductor.queue", "default"));
  }

  // Conductor.builder()

  @Test
  void builderWithoutDatabaseFailsClearly() {
    assertThatThrownBy(() -> Conductor.builder().tasks(TaskSchemas.of(GREET)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("connectionString")
        .hasMessageContaining("dataSource");
  }

  @Test
  void builderWithBothConnectionStringAndDataSourceFailsClearly() {
    assertThatThrownBy(
            () ->
                Conductor.builder()
                    .connectionString(db.url())
                    .dataSource(db.dataSource())
                    .tasks(TaskSchemas.of(GREET))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not both");
  }

  @Test
  void builderRejectsAConnectionStringOfAnotherDatabase() {
    assertThatThrownBy(
            () -> Conductor.builder().connectionString("mysql://u:secret@localhost/x").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("postgres://")
        .hasMessageNotContaining("secret");
  }

  @Test
  void unreachableDatabaseFailsAtOnceWithoutShowingThePassword() {
    // built without connecting (the database may come up later); the first use says it is not
    try (var conductor =
        Conductor.builder()
            .connectionString("postgres://someone:s3cr3t@127.0.0.1:1/nowhere")
            .build()) {
      assertThatThrownBy(conductor::ensureInstalled)
          .isInstanceOf(PgConductorException.class)
          .hasMessageContaining("127.0.0.1:1")
          .hasMessageNotContaining("s3cr3t");
    }
  }

  @Test
  void conductorOnAGivenDataSourceWorksAndLeavesItOpen() {
    var conductor =
        Conductor.builder().dataSource(db.dataSource()).tasks(TaskSchemas.of(GREET)).build();
    String id = conductor.invoke(GREET, new Greet("x")).orElseThrow();
    conductor.close();

    assertThat(db.dataSource().isClosed()).isFalse();
    assertThat(db.queryLong("select count(*) from pgconductor.executions where id = ?::uuid", id))
        .isOne();
  }

  @Test
  void invokeThroughAnApplicationPoolWithoutAutoCommitIsStored() {
    var config = new HikariConfig();
    config.setJdbcUrl(db.url());
    config.setMaximumPoolSize(2);
    config.setAutoCommit(false);
    try (var pool = new HikariDataSource(config)) {
      var conductor = Conductor.builder().dataSource(pool).tasks(TaskSchemas.of(GREET)).build();

      String id = conductor.invoke(GREET, new Greet("x")).orElseThrow();
      List<String> batch =
          conductor.invokeBatch(
              GREET, List.of(Invocation.of(new Greet("a")), Invocation.of(new Greet("b"))));

      assertThat(conductor.getExecution(GREET, id)).isPresent();
      assertThat(
              db.queryLong(
                  "select count(*) from pgconductor.executions where id = any (?::uuid[])",
                  "{" + id + "," + String.join(",", batch) + "}"))
          .isEqualTo(3);
    }
  }

  // helpers

  private Conductor<Void> conductor(TaskSchemas schemas) {
    return track(db.conductor(schemas).poolSize(4).build());
  }

  private <C> Conductor<C> track(Conductor<C> conductor) {
    conductors.add(db.closeAfter(conductor));
    return conductor;
  }

  private static Orchestrator orchestrator(Conductor<?> conductor, Task<?, ?>... tasks) {
    return Orchestrator.builder(conductor)
        .tasks(tasks)
        .handleSignals(false)
        .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(50)).build())
        .build();
  }

  private static List<org.assertj.core.groups.Tuple> taskRows() {
    try (Connection c = db.dataSource().getConnection();
        var st = c.createStatement();
        ResultSet rs =
            st.executeQuery("select key, queue, max_attempts, invocable from pgconductor.tasks")) {
      List<org.assertj.core.groups.Tuple> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(tuple(rs.getString(1), rs.getString(2), rs.getInt(3), rs.getBoolean(4)));
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String queryString(String sql, Object... args) {
    try (Connection c = db.dataSource().getConnection();
        var ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setObject(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).as("a row from: " + sql).isTrue();
        return rs.getString(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, Object> keyValues(ILoggingEvent event) {
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    assertThat(pairs).as("key-values of '%s'", event.getFormattedMessage()).isNotNull();
    var map = new java.util.HashMap<String, Object>();
    pairs.forEach(p -> map.put(p.key, p.value));
    return map;
  }

  /**
   * Captures what a logback logger receives. Events are prepared for deferred processing the way
   * asynchronous appenders do it, so the MDC is read on the logging thread.
   */
  private static ListAppender<ILoggingEvent> capture(String loggerName) {
    var logger = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(loggerName);
    var appender =
        new ListAppender<ILoggingEvent>() {
          @Override
          protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing();
            synchronized (this) {
              super.append(event);
            }
          }
        };
    appender.start();
    logger.detachAndStopAllAppenders();
    logger.addAppender(appender);
    logger.setLevel(Level.DEBUG);
    logger.setAdditive(false);
    return appender;
  }
}
