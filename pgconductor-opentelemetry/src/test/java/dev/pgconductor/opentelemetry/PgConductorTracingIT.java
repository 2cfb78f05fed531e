package dev.pgconductor.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.Conductor;
import dev.pgconductor.EventDefinition;
import dev.pgconductor.EventSchemas;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.InvokeOptions;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.RetryPolicy;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.testing.PgDatabaseExtension;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The spans real orchestrators make for real executions, exported to the SDK's in-memory exporter,
 * and the trace context stored with the executions.
 */
class PgConductorTracingIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final TaskDefinition<String, String> CHECKOUT =
      TaskDefinition.of("checkout", String.class, String.class);
  static final TaskDefinition<String, String> CHARGE =
      TaskDefinition.of("charge", String.class, String.class);
  static final TaskDefinition<Void, Void> FLAKY = TaskDefinition.of("flaky");
  static final TaskDefinition<Void, Void> DOOMED = TaskDefinition.of("doomed");
  static final TaskDefinition<Void, Void> LATER = TaskDefinition.of("later");
  static final EventDefinition<String> ORDER_PLACED =
      EventDefinition.of("order.placed", String.class);
  static final TaskDefinition<String, Void> NOTIFY = TaskDefinition.of("notify", String.class);
  static final TaskSchemas TASKS = TaskSchemas.of(CHECKOUT, CHARGE, FLAKY, DOOMED, LATER, NOTIFY);

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private OpenTelemetrySdk openTelemetry;
  private Tracer appTracer;

  @BeforeEach
  void setUp() {
    db.installSchema();
    db.emptyExecutionTables();
    openTelemetry =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                    .build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();
    appTracer = openTelemetry.getTracer("the-application");
  }

  @AfterEach
  void tearDown() {
    openTelemetry.close();
  }

  private Conductor<Void> tracedConductor(OpenTelemetry otel) {
    return db.closeAfter(
        db.conductor(TASKS)
            .events(EventSchemas.of(ORDER_PLACED))
            .tracer(PgConductorTracing.create(otel))
            .build());
  }

  private Orchestrator started(Conductor<Void> conductor, Task<?, ?>... tasks) {
    Orchestrator orchestrator =
        db.closeAfter(Orchestrator.builder(conductor).tasks(tasks).handleSignals(false).build());
    orchestrator.start();
    return orchestrator;
  }

  @Test
  void invokeAttemptChildInvokeAndChildAttemptFormOneTree() {
    Conductor<Void> conductor = tracedConductor(openTelemetry);
    Task<?, ?> checkout =
        conductor.createTask(
            TaskOptions.of(CHECKOUT),
            Trigger.invocable(),
            (event, ctx) -> {
              String reserved = ctx.step("reserve", String.class, () -> "reserved");
              return reserved + " and " + ctx.invoke("charge", CHARGE, event.payload());
            });
    Task<?, ?> charge =
        conductor.createTask(
            TaskOptions.of(CHARGE),
            Trigger.invocable(),
            (event, ctx) -> {
              // the handler's own span nests under the attempt's
              Span own = appTracer.spanBuilder("call payment provider").startSpan();
              own.end();
              return "charged " + event.payload();
            });
    started(conductor, checkout, charge);

    String id;
    Span request = appTracer.spanBuilder("POST /orders").startSpan();
    try (Scope ignored = request.makeCurrent()) {
      id = conductor.invoke(CHECKOUT, "o-1").orElseThrow();
    } finally {
      request.end();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
    await().until(() -> spansNamed("pgconductor.execute checkout").size() == 2);

    SpanData invoke = single("pgconductor.invoke checkout");
    assertThat(invoke.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(invoke.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
    assertThat(invoke.getAttributes().get(PgConductorTracing.TASK)).isEqualTo("checkout");
    assertThat(invoke.getAttributes().get(PgConductorTracing.QUEUE)).isEqualTo("default");

    // two runs of the first attempt: one that invoked the child and waited, one that resumed
    List<SpanData> runs = spansNamed("pgconductor.execute checkout");
    for (SpanData run : runs) {
      assertThat(run.getKind()).isEqualTo(SpanKind.CONSUMER);
      assertThat(run.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
      assertThat(run.getParentSpanId()).isEqualTo(invoke.getSpanId());
      assertThat(run.getAttributes().get(PgConductorTracing.EXECUTION_ID)).isEqualTo(id);
      assertThat(run.getAttributes().get(PgConductorTracing.ATTEMPT)).isEqualTo(1L);
      assertThat(run.getAttributes().get(PgConductorTracing.ORIGIN)).isEqualTo("invoked");
    }
    SpanData waited = runs.get(0);
    SpanData resumed = runs.get(1);
    assertThat(waited.getAttributes().get(PgConductorTracing.OUTCOME))
        .isEqualTo("waiting_for_child");
    assertThat(resumed.getAttributes().get(PgConductorTracing.OUTCOME)).isEqualTo("completed");
    assertThat(resumed.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    // the step is an event of the run that recorded it, and not of the run that found it recorded
    assertThat(waited.getEvents())
        .extracting(EventData::getName, e -> e.getAttributes().get(PgConductorTracing.STEP))
        .containsExactly(org.assertj.core.groups.Tuple.tuple("pgconductor.step", "reserve"));
    assertThat(resumed.getEvents()).isEmpty();

    SpanData childInvoke = single("pgconductor.invoke charge");
    assertThat(childInvoke.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(childInvoke.getParentSpanId()).isEqualTo(waited.getSpanId());

    SpanData childRun = single("pgconductor.execute charge");
    assertThat(childRun.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
    assertThat(childRun.getParentSpanId()).isEqualTo(childInvoke.getSpanId());
    assertThat(childRun.getAttributes().get(PgConductorTracing.ORIGIN)).isEqualTo("child");
    assertThat(childRun.getAttributes().get(PgConductorTracing.PARENT_ID)).isEqualTo(id);

    SpanData own = single("call payment provider");
    assertThat(own.getParentSpanId()).isEqualTo(childRun.getSpanId());
  }

  @Test
  void aRetriedExecutionHasASpanPerAttemptTheFailedOneInError() {
    Conductor<Void> conductor = tracedConductor(openTelemetry);
    AtomicInteger runs = new AtomicInteger();
    Task<?, ?> flaky =
        conductor.createTask(
            TaskOptions.of(FLAKY).maxAttempts(3).retry(RetryPolicy.fixed(Duration.ofMillis(10))),
            Trigger.invocable(),
            (e, ctx) -> {
              if (runs.incrementAndGet() == 1) {
                throw new IllegalStateException("card declined");
              }
              return null;
            });
    Task<?, ?> doomed =
        conductor.createTask(
            TaskOptions.of(DOOMED).maxAttempts(1),
            Trigger.invocable(),
            (e, ctx) -> {
              throw new IllegalArgumentException("never works");
            });
    started(conductor, flaky, doomed);

    String id = conductor.invoke(FLAKY, null).orElseThrow();
    String doomedId = conductor.invoke(DOOMED, null).orElseThrow();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED
                    && conductor.getExecution(doomedId).orElseThrow().state()
                        == ExecutionState.FAILED);
    await().until(() -> spansNamed("pgconductor.execute flaky").size() == 2);

    SpanData invoke = single("pgconductor.invoke flaky");
    List<SpanData> attempts = spansNamed("pgconductor.execute flaky");
    assertThat(attempts)
        .extracting(s -> s.getAttributes().get(PgConductorTracing.ATTEMPT))
        .containsExactly(1L, 2L);
    assertThat(attempts)
        .allSatisfy(s -> assertThat(s.getParentSpanId()).isEqualTo(invoke.getSpanId()));

    SpanData first = attempts.get(0);
    assertThat(first.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(first.getStatus().getDescription()).isEqualTo("card declined");
    assertThat(first.getAttributes().get(PgConductorTracing.OUTCOME)).isEqualTo("retrying");
    assertThat(first.getEvents())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("exception");
              assertThat(
                      e.getAttributes()
                          .get(
                              io.opentelemetry.api.common.AttributeKey.stringKey("exception.type")))
                  .isEqualTo(IllegalStateException.class.getName());
            });
    SpanData second = attempts.get(1);
    assertThat(second.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(second.getAttributes().get(PgConductorTracing.OUTCOME)).isEqualTo("completed");

    SpanData failed = single("pgconductor.execute doomed");
    assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(failed.getAttributes().get(PgConductorTracing.OUTCOME)).isEqualTo("failed");
  }

  @Test
  void anEmittedEventsExecutionIsAChildOfTheEmitSpan() {
    Conductor<Void> conductor = tracedConductor(openTelemetry);
    Task<?, ?> notify =
        conductor.createTask(
            TaskOptions.of(NOTIFY), Trigger.event(ORDER_PLACED), (event, ctx) -> null);
    started(conductor, notify);

    Span request = appTracer.spanBuilder("place order").startSpan();
    try (Scope ignored = request.makeCurrent()) {
      conductor.emit(ORDER_PLACED, "o-2");
    } finally {
      request.end();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> spansNamed("pgconductor.execute notify").size() == 1);

    SpanData emit = single("pgconductor.emit order.placed");
    assertThat(emit.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(emit.getParentSpanId()).isEqualTo(request.getSpanContext().getSpanId());
    assertThat(emit.getAttributes().get(PgConductorTracing.EVENT)).isEqualTo("order.placed");
    SpanData run = single("pgconductor.execute notify");
    assertThat(run.getTraceId()).isEqualTo(request.getSpanContext().getTraceId());
    assertThat(run.getParentSpanId()).isEqualTo(emit.getSpanId());
    assertThat(run.getAttributes().get(PgConductorTracing.ORIGIN)).isEqualTo("emitted");
  }

  @Test
  void theStoredContextIsTheInvokeSpansAndNothingIsStoredWithoutATracer() {
    Conductor<Void> traced = tracedConductor(openTelemetry);
    Conductor<Void> untraced = db.closeAfter(db.conductor(TASKS).build());
    InvokeOptions inAnHour = InvokeOptions.DEFAULT.withRunAt(Instant.now().plusSeconds(3600));

    String tracedId = traced.invoke(LATER, null, inAnHour).orElseThrow();
    String untracedId = untraced.invoke(LATER, null, inAnHour).orElseThrow();
    List<String> batch =
        untraced.invokeBatch(
            LATER,
            List.of(
                dev.pgconductor.Invocation.<Void>of(null).runAt(Instant.now().plusSeconds(3600)),
                dev.pgconductor.Invocation.<Void>of(null).runAt(Instant.now().plusSeconds(3600))));

    SpanData invoke = single("pgconductor.invoke later");
    assertThat(traceparent(tracedId))
        .isEqualTo(
            "00-"
                + invoke.getTraceId()
                + "-"
                + invoke.getSpanId()
                + "-"
                + invoke.getSpanContext().getTraceFlags().asHex());
    assertThat(storedContext(untracedId)).isNull();
    for (String id : batch) {
      assertThat(storedContext(id)).isNull();
    }
  }

  @Test
  void withANoopOpenTelemetryNothingIsStoredAndRunsGoOn() {
    Conductor<Void> conductor = tracedConductor(OpenTelemetry.noop());
    Task<?, ?> flaky =
        conductor.createTask(TaskOptions.of(FLAKY), Trigger.invocable(), (e, ctx) -> null);
    String pending =
        conductor
            .invoke(LATER, null, InvokeOptions.DEFAULT.withRunAt(Instant.now().plusSeconds(3600)))
            .orElseThrow();
    assertThat(storedContext(pending)).isNull();

    started(conductor, flaky);
    String id = conductor.invoke(FLAKY, null).orElseThrow();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
    assertThat(exporter.getFinishedSpanItems()).isEmpty();
  }

  private String storedContext(String id) {
    return db.dataSourceQueryString(
        "select trace_context::text from pgconductor.executions where id = '" + id + "'");
  }

  private String traceparent(String id) {
    return db.dataSourceQueryString(
        "select trace_context->>'traceparent' from pgconductor.executions where id = '" + id + "'");
  }

  private List<SpanData> spansNamed(String name) {
    return exporter.getFinishedSpanItems().stream()
        .filter(s -> s.getName().equals(name))
        .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos))
        .toList();
  }

  private SpanData single(String name) {
    List<SpanData> spans = spansNamed(name);
    assertThat(spans).as("spans named %s", name).hasSize(1);
    return spans.getFirst();
  }
}
