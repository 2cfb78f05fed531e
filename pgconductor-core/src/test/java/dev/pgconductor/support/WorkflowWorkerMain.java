package dev.pgconductor.support;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.WorkerConfig;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * A worker process for crash and shutdown tests: serves {@link Workflows} on the database given as
 * the first argument until it gets SIGTERM (graceful stop through the shutdown hook) or is killed.
 * Prints "STARTED id" once running.
 */
public final class WorkflowWorkerMain {
  private WorkflowWorkerMain() {}

  public static void main(String[] args) {
    String url = args[0];
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(4);
    DataSource appDb = new HikariDataSource(config);
    Conductor<DataSource> conductor =
        Conductor.builder().connectionString(url).tasks(Workflows.SCHEMAS).context(appDb).build();
    var tasks = Workflows.register(conductor);
    var orchestrator =
        Orchestrator.builder(conductor)
            .tasks(tasks)
            .defaultWorker(WorkerConfig.builder().pollInterval(Duration.ofMillis(50)).build())
            .heartbeatInterval(Duration.ofMillis(250))
            // short, so crash tests are quick; not shorter, or a busy machine could stall a
            // heartbeat that long and the worker would declare itself dead
            .heartbeatTimeout(Duration.ofSeconds(2))
            .shutdownGrace(Duration.ofSeconds(10))
            .build();
    orchestrator.start();
    System.out.println("STARTED " + orchestrator.info().id());
    System.out.flush();
    orchestrator.stopped().join();
  }
}
