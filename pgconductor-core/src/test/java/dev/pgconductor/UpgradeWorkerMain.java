package dev.pgconductor;

import java.time.Duration;
import java.util.List;

/**
 * Run in a child JVM by {@link LiveMigrationIT}: an orchestrator serving {@link UpgradeWorkload}
 * with the library as it is ("old") or with one more, breaking, migration ("new"). Prints "STARTED
 * id" once running, "DRAIN_REQUESTED version" when a newer version asks it to drain, and exits once
 * its orchestrator has stopped, as an application would that is told to restart.
 */
public final class UpgradeWorkerMain {
  private UpgradeWorkerMain() {}

  public static void main(String[] args) {
    String url = args[0];
    boolean newer = args[1].equals("new");
    Conductor.Builder<Void> builder =
        newer
            ? UpgradeWorkload.newLibrary(url, UpgradeWorkload.BREAKING).poolSize(12)
            : Conductor.builder().connectionString(url).tasks(UpgradeWorkload.SCHEMAS).poolSize(12);
    var conductor =
        builder
            .listener(
                new ConductorListener() {
                  @Override
                  public void drainRequested(DrainRequested event) {
                    System.out.println("DRAIN_REQUESTED " + event.requestedVersion());
                    System.out.flush();
                  }
                })
            .build();
    var task = UpgradeWorkload.register(conductor);
    var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(List.of(task))
            .defaultWorker(
                WorkerConfig.builder().concurrency(10).pollInterval(Duration.ofMillis(50)).build())
            .heartbeatInterval(Duration.ofMillis(250))
            .heartbeatTimeout(Duration.ofSeconds(3))
            .shutdownGrace(Duration.ofSeconds(20))
            .migrationDrainTimeout(Duration.ofSeconds(60))
            .build();
    orchestrator.start();
    System.out.println("STARTED " + orchestrator.info().id());
    System.out.flush();
    orchestrator.stopped().join();
    System.out.println("STOPPED " + orchestrator.info().id());
    System.out.flush();
    conductor.close();
  }
}
