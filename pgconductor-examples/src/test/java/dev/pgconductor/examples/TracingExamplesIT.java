package dev.pgconductor.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.examples.guide.GettingStarted;
import dev.pgconductor.examples.guide.TracingExamples;
import dev.pgconductor.testing.TestPostgres;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs the code of docs/tracing.md and checks the trace it describes. */
class TracingExamplesIT {
  private String url;

  @BeforeEach
  void createDatabase() {
    url = TestPostgres.createDatabase();
  }

  @AfterEach
  void dropDatabase() {
    TestPostgres.dropDatabase(url);
  }

  @Test
  void theRequestTheInvokeTheRunAndTheHandlersSpanAreOneTrace() {
    InMemorySpanExporter exporter = InMemorySpanExporter.create();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(4);
    try (OpenTelemetrySdk openTelemetry =
            OpenTelemetrySdk.builder()
                .setTracerProvider(
                    SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(exporter))
                        .build())
                .build();
        HikariDataSource pool = new HikariDataSource(config);
        Conductor<Void> conductor =
            TracingExamples.connect(pool, TaskSchemas.of(GettingStarted.GREET), openTelemetry)) {
      conductor.ensureInstalled();
      Tracer tracer = openTelemetry.getTracer("greetings-service");
      var greet = TracingExamples.register(conductor, tracer);
      String id = TracingExamples.invokeInRequest(conductor, tracer);
      try (Orchestrator orchestrator =
          Orchestrator.builder(conductor).tasks(greet).handleSignals(false).build()) {
        orchestrator.drain();
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> exporter.getFinishedSpanItems().size() == 4);

      List<SpanData> spans = exporter.getFinishedSpanItems();
      SpanData request = named(spans, "POST /greetings");
      SpanData invoke = named(spans, "pgconductor.invoke greet");
      SpanData run = named(spans, "pgconductor.execute greet");
      SpanData lookup = named(spans, "look up greeting");
      assertThat(invoke.getParentSpanId()).isEqualTo(request.getSpanId());
      assertThat(run.getParentSpanId()).isEqualTo(invoke.getSpanId());
      assertThat(
              run.getAttributes()
                  .get(dev.pgconductor.opentelemetry.PgConductorTracing.EXECUTION_ID))
          .isEqualTo(id);
      assertThat(lookup.getParentSpanId()).isEqualTo(run.getSpanId());
      assertThat(spans).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(request.getTraceId()));
    }
  }

  private static SpanData named(List<SpanData> spans, String name) {
    return spans.stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
  }
}
