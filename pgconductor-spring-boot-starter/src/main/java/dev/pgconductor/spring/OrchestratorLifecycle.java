package dev.pgconductor.spring;

import dev.pgconductor.Orchestrator;
import dev.pgconductor.OrchestratorInfo;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the application's orchestrator with the application context: it starts when the context has
 * refreshed, after the web server (its phase is {@link #PHASE}, later than Spring Boot's web server
 * and its graceful shutdown), and stops first, gracefully, when the context closes: no new work is
 * fetched, running handlers get {@code pgconductor.orchestrator.shutdown-grace} to finish or reach
 * a step boundary, outcomes are written, and the orchestrator deregisters. The context's close
 * waits for that up to {@code spring.lifecycle.timeout-per-shutdown-phase}.
 *
 * <p>An orchestrator starts once; when the context is stopped and started again, a new one is
 * built. When a newer version of pgconductor asks it to drain before a breaking migration, it stops
 * by itself: {@link #isRunning()} turns false and the health indicator reports it down, so that a
 * platform restarts the application.
 */
public class OrchestratorLifecycle implements SmartLifecycle {
  /**
   * {@code Integer.MAX_VALUE - 100}: after the web server (Spring Boot's web server lifecycles have
   * lower phases), so the orchestrator starts last and stops first.
   */
  public static final int PHASE = Integer.MAX_VALUE - 100;

  private static final Logger LOG = LoggerFactory.getLogger(OrchestratorLifecycle.class);

  private final OrchestratorFactory factory;
  private final Duration heartbeatTimeout;
  private volatile Orchestrator orchestrator;
  private volatile boolean started;

  OrchestratorLifecycle(OrchestratorFactory factory, Duration heartbeatTimeout) {
    this.factory = factory;
    this.heartbeatTimeout = heartbeatTimeout;
  }

  @Override
  public synchronized void start() {
    if (started) {
      return;
    }
    Optional<Orchestrator> built = factory.build();
    if (built.isPresent()) {
      Orchestrator o = built.get();
      o.start();
      orchestrator = o;
      LOG.info("pgconductor orchestrator {} started", o.info().id());
    }
    started = true;
  }

  @Override
  public void stop() {
    stopped().join();
  }

  @Override
  public void stop(Runnable callback) {
    stopped().whenComplete((ignored, error) -> callback.run());
  }

  private synchronized CompletableFuture<Void> stopped() {
    started = false;
    Orchestrator o = orchestrator;
    if (o == null) {
      return CompletableFuture.completedFuture(null);
    }
    return o.stop()
        .whenComplete(
            (ignored, error) -> {
              if (error != null) {
                LOG.warn("pgconductor orchestrator {} did not stop cleanly", o.info().id(), error);
              }
            });
  }

  /**
   * Whether the orchestrator runs. False when the application has no tasks to run, and once it
   * stopped (also by itself, when a newer version asked it to drain).
   */
  @Override
  public boolean isRunning() {
    Orchestrator o = orchestrator;
    return started && o != null && o.info().running();
  }

  @Override
  public int getPhase() {
    return PHASE;
  }

  /** The current orchestrator, if the application has tasks and the context started it. */
  public Optional<Orchestrator> orchestrator() {
    return Optional.ofNullable(orchestrator);
  }

  /** The current orchestrator's id and state, if there is one. */
  public Optional<OrchestratorInfo> info() {
    return orchestrator().map(Orchestrator::info);
  }

  /** Whether the lifecycle was started (by the context) and not stopped since. */
  public boolean isStarted() {
    return started;
  }

  /** The heartbeat timeout it was configured with: the health indicator's limit of freshness. */
  public Duration heartbeatTimeout() {
    return heartbeatTimeout;
  }
}
