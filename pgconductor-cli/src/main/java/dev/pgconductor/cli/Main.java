package dev.pgconductor.cli;

import ch.qos.logback.classic.Level;
import dev.pgconductor.PgConductorException;
import dev.pgconductor.cli.codegen.CodegenException;
import dev.pgconductor.dashboard.query.Databases;
import dev.pgconductor.dashboard.query.QueryException;
import dev.pgconductor.dashboard.query.SchemaNotInstalledException;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.IFactory;
import picocli.CommandLine.ParseResult;

/**
 * The entry point of {@code pgconductor.jar}: {@code java -jar pgconductor.jar --help}.
 *
 * <p>{@link #commandLine(CliEnvironment)} builds the same command line for running in-process, with
 * an environment of the caller's choosing.
 */
public final class Main {
  private Main() {}

  /** Runs the command and exits the JVM with its exit code (see {@link ExitCodes}). */
  public static void main(String[] args) {
    System.exit(commandLine(CliEnvironment.system()).execute(args));
  }

  /**
   * The {@code pgconductor} command line: picocli's {@link CommandLine} with this tool's error
   * handling. Set its output with {@code setOut}/{@code setErr}, run it with {@code execute(args)},
   * which returns the exit code.
   */
  public static CommandLine commandLine(CliEnvironment environment) {
    CommandLine cli = new CommandLine(new PgConductorCommand(), new Factory(environment));
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExpandAtFiles(false); // --payload @FILE is ours: picocli's argument files are off
    cli.setExecutionStrategy(
        parseResult -> {
          if (matched(parseResult, "--verbose")) {
            ((ch.qos.logback.classic.Logger)
                    LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
                .setLevel(Level.INFO);
          }
          return new CommandLine.RunLast().execute(parseResult);
        });
    cli.setExecutionExceptionHandler(
        (exception, commandLine, parseResult) ->
            handle(exception, commandLine, parseResult, environment));
    return cli;
  }

  private static int handle(
      Exception exception,
      CommandLine commandLine,
      ParseResult parseResult,
      CliEnvironment environment) {
    PrintWriter err = commandLine.getErr();
    boolean verbose = matched(parseResult, "--verbose");
    int code;
    String message;
    boolean unexpected = false;
    if (exception instanceof CliException e) {
      code = e.exitCode();
      message = e.getMessage();
      if (code == ExitCodes.USAGE) {
        err.println("pgconductor: " + message);
        err.println("(see '" + commandLine.getCommandSpec().qualifiedName() + " --help')");
        err.flush();
        return code;
      }
    } else if (Databases.isConnectionFailure(exception)) {
      code = ExitCodes.DATABASE;
      String url = databaseOf(commandLine);
      message =
          "cannot connect to the database"
              + (url == null ? "" : " at " + url)
              + ": "
              + rootMessage(exception);
    } else if (exception instanceof SchemaNotInstalledException
        || exception instanceof CodegenException
        || exception instanceof IllegalArgumentException) {
      code = ExitCodes.REQUEST;
      message = exception.getMessage();
    } else if (exception instanceof PgConductorException || exception instanceof QueryException) {
      code = ExitCodes.REQUEST;
      message = exception.getMessage() + causeMessage(exception);
    } else {
      code = ExitCodes.REQUEST;
      unexpected = true;
      message = "unexpected error: " + exception;
    }
    err.println("pgconductor: " + message);
    if (verbose) {
      exception.printStackTrace(err);
    } else if (unexpected) {
      err.println("(run with --verbose for the stack trace)");
    }
    err.flush();
    return code;
  }

  private static String databaseOf(CommandLine commandLine) {
    Object command = commandLine.getCommand();
    if (command instanceof DatabaseCommand c) {
      return c.database().masked();
    }
    return null;
  }

  private static String causeMessage(Throwable t) {
    Throwable cause = t.getCause();
    if (cause == null
        || cause.getMessage() == null
        || t.getMessage().contains(cause.getMessage())) {
      return "";
    }
    return ": " + cause.getMessage();
  }

  private static String rootMessage(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    if (root instanceof java.net.ConnectException || message == null) {
      // pgjdbc's own message names the host and port; prefer the outermost SQL message
      for (Throwable x = t; x != null; x = x.getCause()) {
        if (x instanceof java.sql.SQLException && x.getMessage() != null) {
          return x.getMessage();
        }
      }
    }
    return message == null ? root.toString() : message;
  }

  private static boolean matched(ParseResult result, String option) {
    for (ParseResult r = result; r != null; r = r.subcommand()) {
      if (r.hasMatchedOption(option)) {
        return true;
      }
    }
    return false;
  }

  /** Creates commands, handing the environment to those whose constructor takes it. */
  private static final class Factory implements IFactory {
    private final CliEnvironment environment;
    private final IFactory fallback = CommandLine.defaultFactory();

    Factory(CliEnvironment environment) {
      this.environment = environment;
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
      try {
        Constructor<K> constructor = type.getDeclaredConstructor(CliEnvironment.class);
        constructor.setAccessible(true);
        return constructor.newInstance(environment);
      } catch (NoSuchMethodException e) {
        return fallback.create(type);
      }
    }
  }
}
