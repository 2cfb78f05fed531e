package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.Task;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.examples.guide.GettingStarted.Greet;
import dev.pgconductor.examples.guide.GettingStarted.Greeting;
import dev.pgconductor.opentelemetry.PgConductorTracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import javax.sql.DataSource;

/**
 * The code of docs/tracing.md: a Conductor traced with the application's OpenTelemetry, an invoke
 * inside a span of the application, and a handler whose own span nests under its run's span.
 */
public final class TracingExamples {
  private TracingExamples() {}

  /** A Conductor whose invokes, emits and runs are traced. */
  public static Conductor<Void> connect(
      DataSource dataSource, TaskSchemas tasks, OpenTelemetry openTelemetry) {
    // tag::conductor[]
    Conductor<Void> conductor =
        Conductor.builder()
            .dataSource(dataSource)
            .tasks(tasks)
            .tracer(PgConductorTracing.create(openTelemetry)) // the application's OpenTelemetry
            .build();
    // end::conductor[]
    return conductor;
  }

  /** Invokes {@code greet} while a span of the application (a request, say) is current. */
  public static String invokeInRequest(Conductor<Void> conductor, Tracer tracer) {
    // tag::invoke[]
    Span request = tracer.spanBuilder("POST /greetings").startSpan();
    try (Scope ignored = request.makeCurrent()) {
      // span "pgconductor.invoke greet", a child of the request's; its context is stored
      return conductor.invoke(GettingStarted.GREET, new Greet("Ada")).orElseThrow();
    } finally {
      request.end();
    }
    // end::invoke[]
  }

  /** The greet handler, tracing its own work. */
  public static Task<Greet, Greeting> register(Conductor<Void> conductor, Tracer tracer) {
    // tag::handler[]
    Task<Greet, Greeting> greet =
        conductor.createTask(
            TaskOptions.of(GettingStarted.GREET),
            Trigger.invocable(),
            (event, ctx) -> {
              // the run's span "pgconductor.execute greet" is current here: this is its child
              Span lookup = tracer.spanBuilder("look up greeting").startSpan();
              try (Scope ignored = lookup.makeCurrent()) {
                return new Greeting("Hello, " + event.payload().name());
              } finally {
                lookup.end();
              }
            });
    // end::handler[]
    return greet;
  }
}
