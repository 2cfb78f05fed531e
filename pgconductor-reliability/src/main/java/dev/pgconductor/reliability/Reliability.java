package dev.pgconductor.reliability;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs scenarios one after the other on one throwaway cluster, each on a database and workers of
 * its own, and checks each. A scenario that throws is reported with what it left, not skipped.
 */
public final class Reliability {
  private static final Logger LOG = LoggerFactory.getLogger(Reliability.class);

  private Reliability() {}

  /**
   * Runs the scenarios.
   *
   * @param scenarios what to run
   * @param longRun the long version
   * @param pgBin a directory with initdb and pg_ctl, or null for the bundled binaries
   * @param seed the seed of the fault schedule
   */
  public static List<ScenarioReport> run(
      List<Scenario> scenarios, boolean longRun, Path pgBin, long seed) {
    List<ScenarioReport> reports = new ArrayList<>();
    Path bin = pgBin != null ? pgBin : PgBinaries.bundled();
    var current = new java.util.concurrent.atomic.AtomicReference<ScenarioRun>();
    try (PgCluster cluster = PgCluster.create(bin)) {
      // a driver stopped by a signal leaves no worker JVM and no server behind
      Thread cleanup =
          new Thread(
              () -> {
                ScenarioRun run = current.get();
                if (run != null) {
                  run.close();
                }
                cluster.close();
              });
      Runtime.getRuntime().addShutdownHook(cleanup);
      cluster.start();
      for (Scenario scenario : scenarios) {
        LOG.info("scenario {}: {}", scenario.name(), scenario.description());
        long start = System.nanoTime();
        try (ScenarioRun run =
            new ScenarioRun(
                scenario.name(),
                cluster,
                scenario.settings(),
                scenario.recoveryBound(),
                longRun,
                seed,
                scenario.installsSchema())) {
          current.set(run);
          try {
            scenario.run(run);
          } catch (Exception | AssertionError e) {
            LOG.error("scenario {} aborted", scenario.name(), e);
            run.note("ABORTED: " + e);
            for (WorkerProcess w : run.workers()) {
              if (!w.isAlive() && !w.isStarted()) {
                LOG.error("worker {} output:\n{}", w.name(), w.tail());
              }
            }
          }
          run.recoveries().close();
          run.noteLateHeartbeats();
          ScenarioReport report = Checker.check(run, (System.nanoTime() - start) / 1e9);
          LOG.info("scenario {} done:\n{}", scenario.name(), ReportTable.text(List.of(report)));
          reports.add(report);
          current.set(null);
        }
      }
      Runtime.getRuntime().removeShutdownHook(cleanup);
    }
    return reports;
  }
}
