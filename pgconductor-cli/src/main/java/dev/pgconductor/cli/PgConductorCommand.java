package dev.pgconductor.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The {@code pgconductor} command: its subcommands do the work. */
@Command(
    name = "pgconductor",
    // --help, --version and the exit codes on every subcommand too
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = PgConductorCommand.Version.class,
    description = {
      "Operates pgconductor on a PostgreSQL database: installs the schema, shows queues,"
          + " executions and orchestrators, retries, cancels and invokes executions, installs"
          + " row-change triggers, serves the web dashboard, and generates Java records for"
          + " tables.",
      "",
      "The database comes from --url or the DATABASE_URL environment variable"
          + " (postgres://user:pass@host:5432/db or jdbc:postgresql://…)."
    },
    subcommands = {
      InstallCommand.class,
      StatusCommand.class,
      ExecutionsCommand.class,
      RetryCommand.class,
      CancelCommand.class,
      InvokeCommand.class,
      TriggersCommand.class,
      DashboardCommand.class,
      GenCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:done",
      "1:the request cannot be done (unknown execution or task, wrong state, bad input,"
          + " schema not installed, an error from the database)",
      "2:usage error (unknown command or option, missing or malformed argument)",
      "3:the database cannot be reached or refused the login"
    })
final class PgConductorCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Show stack traces of errors and the library's log lines.")
  boolean verbose;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "name a command");
  }

  /** The version of this tool, from the build. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {"pgconductor " + p.getProperty("version", "(unknown version)")};
    }
  }
}
