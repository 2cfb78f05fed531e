package dev.pgconductor.cli;

import dev.pgconductor.dashboard.query.Databases;
import javax.sql.DataSource;
import picocli.CommandLine.Option;

/** The {@code --url} option of the commands that use a database. */
final class DatabaseOptions {
  /** The environment variable read when {@code --url} is not given. */
  public static final String ENV = "DATABASE_URL";

  @Option(
      names = "--url",
      paramLabel = "URL",
      description =
          "The database: postgres://user:pass@host:5432/db or jdbc:postgresql://host:5432/db?user=…"
              + " (default: the DATABASE_URL environment variable).")
  String url;

  private String masked;

  /** The URL given, or {@code DATABASE_URL}; a usage error when there is neither. */
  String url(CliEnvironment environment) {
    String value = url != null ? url : environment.variable(ENV);
    if (value == null) {
      throw new CliException(
          ExitCodes.USAGE,
          "no database given: pass --url or set the " + ENV + " environment variable");
    }
    return value;
  }

  /** A data source on the database; a request error for a URL in neither accepted form. */
  DataSource dataSource(CliEnvironment environment) {
    String value = url(environment);
    masked = Databases.mask(value);
    try {
      return Databases.dataSource(value);
    } catch (IllegalArgumentException e) {
      throw CliException.request(e.getMessage());
    }
  }

  /** The URL with its password masked, once {@link #dataSource} was called; else null. */
  String masked() {
    return masked;
  }
}
