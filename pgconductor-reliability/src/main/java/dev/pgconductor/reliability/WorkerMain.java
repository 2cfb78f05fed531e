package dev.pgconductor.reliability;

import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.WorkerConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A worker JVM: serves the {@link Workload} tasks on one database until SIGTERM (a graceful stop
 * through the shutdown hook) or a kill. Prints {@code STARTED <orchestrator id> <pid>} once its
 * orchestrator runs, which is what {@link WorkerProcess} waits for.
 */
@Command(name = "worker", description = "A pgconductor worker JVM for the reliability harness.")
public final class WorkerMain implements Callable<Integer> {
  @Option(names = "--url", required = true, description = "JDBC URL the engine uses")
  String url;

  @Option(names = "--log-url", required = true, description = "JDBC URL of the step-run log")
  String logUrl;

  @Option(names = "--name", required = true)
  String name;

  @Option(names = "--concurrency", defaultValue = "10")
  int concurrency;

  @Option(names = "--heartbeat-interval-ms", defaultValue = "500")
  long heartbeatIntervalMillis;

  @Option(names = "--heartbeat-timeout-ms", defaultValue = "3000")
  long heartbeatTimeoutMillis;

  @Option(names = "--shutdown-grace-ms", defaultValue = "10000")
  long shutdownGraceMillis;

  @Option(
      names = "--clock-offset-ms",
      defaultValue = "0",
      description = "an offset clock for the Conductor, standing in for a stepped system clock")
  long clockOffsetMillis;

  @Option(
      names = "--ambiguous-commit-rate",
      defaultValue = "0",
      description = "share of commits that throw after succeeding (see AmbiguousCommits)")
  double ambiguousCommitRate;

  @Option(
      names = "--upgrade-migration-ms",
      defaultValue = "0",
      description =
          "know one schema migration more than the driver, taking this long (see NewerLibrary)")
  long upgradeMigrationMillis;

  @Override
  public Integer call() {
    StepLog log = new StepLog(logUrl, name);
    var builder = Conductor.builder().tasks(Workload.SCHEMAS).context(log);
    if (ambiguousCommitRate > 0) {
      // the engine's connections come through a wrapper that loses the answers of some commits
      var config = new com.zaxxer.hikari.HikariConfig();
      config.setJdbcUrl(url);
      config.setMaximumPoolSize(10);
      builder.dataSource(
          new AmbiguousCommits(
              new com.zaxxer.hikari.HikariDataSource(config), ambiguousCommitRate));
    } else {
      builder.connectionString(url);
    }
    if (upgradeMigrationMillis > 0) {
      NewerLibrary.apply(builder, upgradeMigrationMillis);
    }
    if (clockOffsetMillis != 0) {
      builder.clock(Clock.offset(Clock.systemUTC(), Duration.ofMillis(clockOffsetMillis)));
    }
    Conductor<StepLog> conductor = builder.build();
    var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(Workload.register(conductor))
            .defaultWorker(
                WorkerConfig.builder()
                    .concurrency(concurrency)
                    .pollInterval(Duration.ofMillis(100))
                    .build())
            .heartbeatInterval(Duration.ofMillis(heartbeatIntervalMillis))
            .heartbeatTimeout(Duration.ofMillis(heartbeatTimeoutMillis))
            .shutdownGrace(Duration.ofMillis(shutdownGraceMillis))
            .handleSignals(true)
            .startupTimeout(Duration.ofSeconds(60)) // a worker may start while Postgres is away
            .build();
    orchestrator.start();
    System.out.println("STARTED " + orchestrator.info().id() + " " + ProcessHandle.current().pid());
    System.out.flush();
    orchestrator.stopped().join();
    conductor.close();
    log.close();
    return 0;
  }

  /** Runs a worker; exits when it stopped. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new WorkerMain()).execute(args));
  }
}
