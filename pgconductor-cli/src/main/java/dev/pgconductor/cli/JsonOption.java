package dev.pgconductor.cli;

import picocli.CommandLine.Option;

/** The {@code --json} option: machine-readable output instead of tables. */
final class JsonOption {
  @Option(
      names = "--json",
      description = "Print JSON (stable field names, ISO-8601 times and durations) for scripts.")
  boolean json;
}
