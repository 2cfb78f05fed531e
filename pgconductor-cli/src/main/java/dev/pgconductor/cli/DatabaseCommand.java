package dev.pgconductor.cli;

/** A command that uses a database: its {@code --url} shows in connection errors. */
interface DatabaseCommand {
  DatabaseOptions database();
}
