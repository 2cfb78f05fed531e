package dev.pgconductor.opentelemetry;

import dev.pgconductor.ExecutionTracer;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * OpenTelemetry tracing for pgconductor, with the application's {@link OpenTelemetry}: register it
 * as the Conductor's {@link ExecutionTracer}.
 *
 * <pre>{@code
 * Conductor<Void> conductor = Conductor.builder()
 *     .dataSource(dataSource).tasks(tasks)
 *     .tracer(PgConductorTracing.create(openTelemetry))
 *     .build();
 * }</pre>
 *
 * <p>What it traces:
 *
 * <ul>
 *   <li>{@code invoke}, {@code invokeBatch}, {@code emit}, {@code emitBatch} and, inside a handler,
 *       {@code ctx.invoke} and {@code ctx.emit}: a {@link SpanKind#PRODUCER} span ({@code
 *       pgconductor.invoke <task>}, {@code pgconductor.emit <event>}), a child of the caller's
 *       current span. Its context is what is stored with the executions the call creates.
 *   <li>every run of a handler: a {@link SpanKind#CONSUMER} span {@code pgconductor.execute
 *       <task>}, a child of the span that stored the execution (a new trace for executions of
 *       schedules and row changes), current on the handler's thread while the handler runs, so
 *       spans the handler's own code starts are its children. A failed run has status {@link
 *       StatusCode#ERROR} and the exception recorded. A retried execution has one such span per
 *       attempt, all children of the same producer span; a run resumed after a sleep or a child is
 *       a span of its own too.
 *   <li>steps: an event {@code pgconductor.step} on the run's span for each step recorded.
 * </ul>
 *
 * <p>The context is written with the {@link OpenTelemetry#getPropagators() application's
 * propagator} (W3C trace context when it has none, as an {@code OpenTelemetrySdk} built without
 * propagators does). See docs/tracing.md.
 */
public final class PgConductorTracing implements ExecutionTracer {

  /** The instrumentation scope name of pgconductor's spans. */
  public static final String INSTRUMENTATION_NAME = "dev.pgconductor";

  /** Attribute: the execution's id (a run's span). */
  public static final AttributeKey<String> EXECUTION_ID =
      AttributeKey.stringKey("pgconductor.execution.id");

  /** Attribute: the task invoked or run. */
  public static final AttributeKey<String> TASK = AttributeKey.stringKey("pgconductor.task");

  /** Attribute: the queue of the task invoked or run. */
  public static final AttributeKey<String> QUEUE = AttributeKey.stringKey("pgconductor.queue");

  /** Attribute: the event emitted. */
  public static final AttributeKey<String> EVENT = AttributeKey.stringKey("pgconductor.event");

  /** Attribute: the attempt a run belongs to, 1 for the first (a run's span). */
  public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("pgconductor.attempt");

  /**
   * Attribute: what created the execution: invoked, child, scheduled, emitted, row_changed (a run's
   * span).
   */
  public static final AttributeKey<String> ORIGIN = AttributeKey.stringKey("pgconductor.origin");

  /** Attribute: the parent execution of a child (a run's span). */
  public static final AttributeKey<String> PARENT_ID =
      AttributeKey.stringKey("pgconductor.parent.id");

  /**
   * Attribute: how a run ended, in lower case: completed, retrying, failed, cancelled, sleeping,
   * waiting_for_child, released (see {@link ExecutionTracer.RunOutcome}).
   */
  public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("pgconductor.outcome");

  /** Attribute: the step of a {@code pgconductor.step} event. */
  public static final AttributeKey<String> STEP = AttributeKey.stringKey("pgconductor.step");

  /** Attribute: how long a step's code and its recording took, in milliseconds. */
  public static final AttributeKey<Double> STEP_DURATION_MS =
      AttributeKey.doubleKey("pgconductor.step.duration_ms");

  /** Name of the event a recorded step adds to its run's span. */
  public static final String STEP_EVENT = "pgconductor.step";

  private static final TextMapGetter<Map<String, String>> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  private PgConductorTracing(Tracer tracer, TextMapPropagator propagator) {
    this.tracer = tracer;
    this.propagator = propagator;
  }

  /**
   * Tracing with the application's {@code openTelemetry}: its tracer provider makes the spans, its
   * text map propagator writes and reads the stored context (W3C trace context when it has none).
   */
  public static PgConductorTracing create(OpenTelemetry openTelemetry) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    TextMapPropagator propagator = openTelemetry.getPropagators().getTextMapPropagator();
    if (propagator.fields().isEmpty()) { // the no-op propagator: nothing would be stored
      propagator = W3CTraceContextPropagator.getInstance();
    }
    return new PgConductorTracing(openTelemetry.getTracer(INSTRUMENTATION_NAME), propagator);
  }

  @Override
  public Send startSend(SendKind kind, String name, String queue) {
    boolean emit = kind == SendKind.EMIT;
    var builder =
        tracer
            .spanBuilder((emit ? "pgconductor.emit " : "pgconductor.invoke ") + name)
            .setSpanKind(SpanKind.PRODUCER);
    if (emit) {
      builder.setAttribute(EVENT, name);
    } else {
      builder.setAttribute(TASK, name).setAttribute(QUEUE, queue);
    }
    Span span = builder.startSpan();
    Map<String, String> headers = new HashMap<>(4);
    propagator.inject(Context.current().with(span), headers, Map::put);
    return new ProducerSend(span, headers);
  }

  @Override
  public Attempt startAttempt(AttemptInfo attempt) {
    Context parent =
        attempt.headers().isEmpty()
            ? Context.root()
            : propagator.extract(Context.root(), attempt.headers(), GETTER);
    var builder =
        tracer
            .spanBuilder("pgconductor.execute " + attempt.taskName())
            .setParent(parent)
            .setSpanKind(SpanKind.CONSUMER)
            .setAttribute(EXECUTION_ID, attempt.executionId())
            .setAttribute(TASK, attempt.taskName())
            .setAttribute(QUEUE, attempt.queue())
            .setAttribute(ATTEMPT, (long) attempt.attempt())
            .setAttribute(ORIGIN, attempt.origin());
    if (attempt.parentId() != null) {
      builder.setAttribute(PARENT_ID, attempt.parentId());
    }
    Span span = builder.startSpan();
    return new RunAttempt(span, parent.with(span).makeCurrent());
  }

  /** A producer span and the headers of its context. */
  private record ProducerSend(Span span, Map<String, String> headers) implements Send {
    @Override
    public void end(Throwable error) {
      if (error != null) {
        span.recordException(error);
        span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
      }
      span.end();
    }
  }

  /** A run's span, current on the handler's thread until the run ends. */
  private record RunAttempt(Span span, Scope scope) implements Attempt {
    @Override
    public void stepRecorded(String name, Duration duration) {
      span.addEvent(
          STEP_EVENT,
          Attributes.of(STEP, name, STEP_DURATION_MS, duration.toNanos() / 1_000_000.0));
    }

    @Override
    public void end(RunOutcome outcome, Throwable error) {
      try {
        span.setAttribute(OUTCOME, outcome.name().toLowerCase(Locale.ROOT));
        if (error != null) {
          span.recordException(error);
        }
        if (outcome == RunOutcome.FAILED || outcome == RunOutcome.RETRYING) {
          span.setStatus(
              StatusCode.ERROR,
              error == null ? outcome.name() : String.valueOf(error.getMessage()));
        }
      } finally {
        scope.close();
        span.end();
      }
    }
  }
}
