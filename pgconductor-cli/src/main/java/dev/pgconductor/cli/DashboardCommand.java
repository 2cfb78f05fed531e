package dev.pgconductor.cli;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.dashboard.Dashboard;
import dev.pgconductor.dashboard.query.Databases;
import dev.pgconductor.dashboard.query.SchemaQuery;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pgconductor dashboard}: serves the web dashboard until stopped. */
@Command(
    name = "dashboard",
    header = "Serve the web dashboard of a database.",
    description = {
      "Serves the web dashboard (queues, throughput, orchestrators, executions, schedules and"
          + " triggers) of the database until stopped with Ctrl-C.",
      "It listens on 127.0.0.1 unless told otherwise; any other address needs --token. Retry and"
          + " cancel are offered only with --allow-actions."
    })
final class DashboardCommand implements Callable<Integer>, DatabaseCommand {
  /** The environment variable read when {@code --token} is not given. */
  static final String TOKEN_ENV = "PGCONDUCTOR_DASHBOARD_TOKEN";

  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin DatabaseOptions database = new DatabaseOptions();

  @Option(
      names = "--host",
      paramLabel = "ADDRESS",
      description = "The address to listen on (default: ${DEFAULT-VALUE}).")
  String host = "127.0.0.1";

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description = "The port to listen on, 0 for any free one (default: ${DEFAULT-VALUE}).")
  int port = 8081;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description =
          "The access token visitors must give (default: the "
              + TOKEN_ENV
              + " environment variable; none).")
  String token;

  @Option(names = "--allow-actions", description = "Offer retry and cancel (default: read-only).")
  boolean allowActions;

  @Option(
      names = "--base-path",
      paramLabel = "PATH",
      description = "Serve under this path, for a reverse proxy (such as /ops/pgconductor).")
  String basePath = "";

  DashboardCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public DatabaseOptions database() {
    return database;
  }

  @Override
  public Integer call() throws InterruptedException {
    String url = database.url(environment);
    database.dataSource(environment); // checks the URL, and keeps it masked for messages
    if (port < 0 || port > 65535) {
      throw new CliException(ExitCodes.USAGE, "--port must be between 0 and 65535, got " + port);
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(Databases.jdbcUrl(url));
    config.setPoolName("pgconductor-dashboard");
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(1);
    config.setInitializationFailTimeout(-1);
    config.addDataSourceProperty("ApplicationName", "pgconductor-dashboard");
    String tokenValue = token != null ? token : environment.variable(TOKEN_ENV);
    CountDownLatch stopped = new CountDownLatch(1);
    try (HikariDataSource pool = new HikariDataSource(config)) {
      if (new SchemaQuery(pool).appliedMigrations().isEmpty()) {
        throw CliException.request(
            "the pgconductor schema is not installed in this database (run `pgconductor install`)");
      }
      Dashboard dashboard;
      try {
        dashboard =
            Dashboard.builder(pool)
                .host(host)
                .port(port)
                .token(tokenValue)
                .allowActions(allowActions)
                .basePath(basePath)
                .start();
      } catch (IllegalArgumentException | IllegalStateException e) {
        throw CliException.request(e.getMessage());
      }
      Thread hook = new Thread(stopped::countDown, "pgconductor-dashboard-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      try (dashboard) {
        PrintWriter out = spec.commandLine().getOut();
        out.println("Dashboard of " + database.masked() + " at " + dashboard.url());
        out.println(
            (tokenValue == null ? "No access token." : "Open it once with ?token=… to sign in.")
                + (allowActions ? " Retry and cancel are allowed." : " Read-only.")
                + " Stop it with Ctrl-C.");
        out.flush();
        stopped.await();
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the JVM is stopping: the hook is running
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return ExitCodes.OK;
  }
}
