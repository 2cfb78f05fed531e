package dev.pgconductor.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that reads or changes the database and prints its answer as a table or, with {@code
 * --json}, as JSON: the options and the environment every such command shares.
 */
abstract class DatabaseCommandBase implements Callable<Integer>, DatabaseCommand {
  /** Where the database URL and the clock come from. */
  final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin DatabaseOptions database = new DatabaseOptions();
  @Mixin JsonOption json = new JsonOption();

  DatabaseCommandBase(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public DatabaseOptions database() {
    return database;
  }
}
