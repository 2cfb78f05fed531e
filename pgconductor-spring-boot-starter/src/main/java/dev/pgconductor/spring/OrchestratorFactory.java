package dev.pgconductor.spring;

import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.Task;
import dev.pgconductor.Worker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Builds the orchestrator of the application's {@link Task} and {@link Worker} beans: the tasks of
 * a Worker bean run in that worker; every other Task bean runs in a worker of its queue configured
 * by {@code pgconductor.workers.<queue>.*} (falling back to {@code pgconductor.worker.*}).
 */
final class OrchestratorFactory {
  private static final Logger LOG = LoggerFactory.getLogger(OrchestratorFactory.class);

  private final Conductor<?> conductor;
  private final PgConductorProperties properties;
  private final ObjectProvider<Task<?, ?>> tasks;
  private final ObjectProvider<Worker> workers;
  private final ObjectProvider<OrchestratorBuilderCustomizer> customizers;

  OrchestratorFactory(
      Conductor<?> conductor,
      PgConductorProperties properties,
      ObjectProvider<Task<?, ?>> tasks,
      ObjectProvider<Worker> workers,
      ObjectProvider<OrchestratorBuilderCustomizer> customizers) {
    this.conductor = conductor;
    this.properties = properties;
    this.tasks = tasks;
    this.workers = workers;
    this.customizers = customizers;
  }

  /** A new orchestrator, or empty when the application has no Task or Worker beans. */
  Optional<Orchestrator> build() {
    List<Worker> all = new ArrayList<>(workers.orderedStream().toList());
    Set<Task<?, ?>> inWorkers = Collections.newSetFromMap(new IdentityHashMap<>());
    all.forEach(w -> inWorkers.addAll(w.tasks()));
    Map<String, List<Task<?, ?>>> byQueue = new LinkedHashMap<>();
    tasks
        .orderedStream()
        .filter(t -> !inWorkers.contains(t))
        .forEach(t -> byQueue.computeIfAbsent(t.options().queue(), q -> new ArrayList<>()).add(t));
    byQueue.forEach(
        (queue, list) ->
            all.add(conductor.createWorker(queue, list, properties.workerConfig(queue))));
    if (all.isEmpty()) {
      LOG.info("pgconductor: no Task or Worker beans, so no orchestrator runs in this application");
      return Optional.empty();
    }
    for (String queue : properties.getWorkers().keySet()) {
      if (!byQueue.containsKey(queue)) {
        LOG.warn(
            "pgconductor.workers.{} is set, but no Task bean outside a Worker bean is on queue"
                + " '{}' (queues of Task beans: {})",
            queue,
            queue,
            byQueue.keySet());
      }
    }
    PgConductorProperties.Orchestrator o = properties.getOrchestrator();
    Orchestrator.Builder builder =
        Orchestrator.builder(conductor)
            .workers(all.toArray(Worker[]::new))
            .heartbeatInterval(o.getHeartbeatInterval())
            .heartbeatTimeout(o.getHeartbeatTimeout())
            .shutdownGrace(o.getShutdownGrace())
            .startupTimeout(o.getStartupTimeout())
            .migrationDrainTimeout(o.getMigrationDrainTimeout())
            .vacuumQueues(o.isVacuumQueues())
            // the application context stops the orchestrator (SmartLifecycle), not a JVM hook
            .handleSignals(false);
    customizers.orderedStream().forEach(c -> c.customize(builder));
    return Optional.of(builder.build());
  }
}
