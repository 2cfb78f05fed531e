package dev.pgconductor.bench.scenario;

import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.Conductor;
import dev.pgconductor.ConductorListener;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.BenchMain;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.peer.Workload;
import dev.pgconductor.bench.util.Completions;
import dev.pgconductor.micrometer.PgConductorMetrics;
import dev.pgconductor.opentelemetry.PgConductorTracing;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Scenario 3: drain pre-enqueued no-op executions, with the default worker config and with a tuned
 * one (and, with {@code --noop-listener}, both again with a listener that does nothing; with {@code
 * --metrics-listener}, both again with pgconductor-micrometer's metrics; with {@code --tracing},
 * both again traced by pgconductor-opentelemetry). Measured from {@code Orchestrator.start()} until
 * the last outcome is written (the hot table is empty); the time until the last handler ran is kept
 * as a detail.
 */
public final class DrainScenario implements Scenario {
  /** Variant label of the default worker config. */
  public static final String DEFAULT = "default config";

  /** Variant label of the tuned worker config (the peers run tuned too). */
  public static final String TUNED = "tuned config";

  /** Added to a variant's label when its orchestrator has a no-op listener (--noop-listener). */
  public static final String WITH_LISTENER = " + no-op listener";

  /** Added to a variant's label when its orchestrator has the metrics (--metrics-listener). */
  public static final String WITH_METRICS = " + metrics";

  /** Added to a variant's label when its Conductor traces (--tracing). */
  public static final String WITH_TRACING = " + tracing";

  @Override
  public int number() {
    return 3;
  }

  @Override
  public String title() {
    return "drain no-op tasks";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    int jobs = context.options().jobs();
    List<Trial> trials = new ArrayList<>();
    Trial plainDefault = Trial.subject(DEFAULT, db -> run(db, jobs, WorkerConfig.DEFAULT));
    Trial plainTuned = Trial.subject(TUNED, db -> run(db, jobs, PgcHarness.TUNED));
    // variants with a listener run in turns with the plain drains, the default config's before
    // the plain ones and the tuned config's after
    List<Trial> before = new ArrayList<>();
    List<Trial> after = new ArrayList<>();
    if (Boolean.getBoolean(BenchMain.NOOP_LISTENER_PROPERTY)) {
      before.add(
          Trial.subject(
              DEFAULT + WITH_LISTENER,
              db -> run(db, jobs, WorkerConfig.DEFAULT, new ConductorListener() {})));
      after.add(
          Trial.subject(
              TUNED + WITH_LISTENER,
              db -> run(db, jobs, PgcHarness.TUNED, new ConductorListener() {})));
    }
    if (Boolean.getBoolean(BenchMain.METRICS_LISTENER_PROPERTY)) {
      before.add(
          Trial.subject(
              DEFAULT + WITH_METRICS, db -> runWithMetrics(db, jobs, WorkerConfig.DEFAULT)));
      after.add(
          Trial.subject(TUNED + WITH_METRICS, db -> runWithMetrics(db, jobs, PgcHarness.TUNED)));
    }
    if (Boolean.getBoolean(BenchMain.TRACING_PROPERTY)) {
      before.add(
          Trial.subject(
              DEFAULT + WITH_TRACING, db -> runWithTracing(db, jobs, WorkerConfig.DEFAULT)));
      after.add(
          Trial.subject(TUNED + WITH_TRACING, db -> runWithTracing(db, jobs, PgcHarness.TUNED)));
    }
    trials.addAll(before);
    trials.add(plainDefault);
    trials.add(plainTuned);
    trials.addAll(after);
    trials.addAll(context.peerTrials(new Workload.Drain(jobs), TUNED));
    return trials;
  }

  /**
   * A drain whose orchestrator has pgconductor-micrometer's metrics: meters on a {@link
   * SimpleMeterRegistry}, and queue gauges on a pool of their own, refreshed every 10 s (the
   * default). The metrics are built once the schema is installed, so their first refresh runs as
   * the executions are enqueued, before the drain is timed.
   */
  static Measurement runWithMetrics(BenchDatabase db, int jobs, WorkerConfig config)
      throws Exception {
    Completions completions = new Completions();
    try (Conductor<Void> conductor = PgcHarness.conductor(db);
        HikariDataSource pool = db.pool("bench-metrics", 1);
        PgConductorMetrics metrics =
            PgConductorMetrics.builder(new SimpleMeterRegistry()).dataSource(pool).build()) {
      return drain(db, conductor, completions, jobs, config, metrics);
    }
  }

  /**
   * A drain whose Conductor traces with pgconductor-opentelemetry on the OpenTelemetry SDK: every
   * span sampled, handed to a batch span processor whose exporter drops it (the SDK's cost without
   * a network). The executions are enqueued through the traced Conductor, so each carries a trace
   * context that every run reads.
   */
  static Measurement runWithTracing(BenchDatabase db, int jobs, WorkerConfig config)
      throws Exception {
    Completions completions = new Completions();
    try (OpenTelemetrySdk openTelemetry =
            OpenTelemetrySdk.builder()
                .setTracerProvider(
                    SdkTracerProvider.builder()
                        .addSpanProcessor(
                            BatchSpanProcessor.builder(new DroppingExporter()).build())
                        .build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        Conductor<Void> conductor =
            PgcHarness.conductor(db, PgConductorTracing.create(openTelemetry), PgcHarness.NOOP)) {
      return drain(db, conductor, completions, jobs, config, null);
    }
  }

  /** Drops every span it is given. */
  private static final class DroppingExporter implements SpanExporter {
    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }

  static Measurement run(BenchDatabase db, int jobs, WorkerConfig config) throws Exception {
    return run(db, jobs, config, null);
  }

  /** A drain; with a listener, the orchestrator has it (null: none). */
  static Measurement run(
      BenchDatabase db, int jobs, WorkerConfig config, ConductorListener listener)
      throws Exception {
    Completions completions = new Completions();
    try (Conductor<Void> conductor = PgcHarness.conductor(db)) {
      return drain(db, conductor, completions, jobs, config, listener);
    }
  }

  private static Measurement drain(
      BenchDatabase db,
      Conductor<Void> conductor,
      Completions completions,
      int jobs,
      WorkerConfig config,
      ConductorListener listener)
      throws Exception {
    var task = PgcHarness.noopTask(conductor, completions);
    PgcHarness.enqueue(conductor, jobs, 1_000);
    Orchestrator.Builder orchestrator =
        Orchestrator.builder(conductor).tasks(task).defaultWorker(config).handleSignals(false);
    if (listener != null) {
      orchestrator.listener(listener);
    }
    return PgcHarness.timedDrain(db, orchestrator.build(), completions, jobs);
  }
}
