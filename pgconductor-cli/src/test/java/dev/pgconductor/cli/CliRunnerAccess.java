package dev.pgconductor.cli;

import java.util.Map;

/** Runs the command line in-process from tests in other packages. */
public final class CliRunnerAccess {
  private CliRunnerAccess() {}

  /** What a command did. */
  public record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  /** Runs the command with DATABASE_URL set to {@code url}. */
  public static Result run(String url, String... args) {
    var r = new CliRunner(Map.of("DATABASE_URL", url)).run(args);
    return new Result(r.exitCode(), r.out(), r.err());
  }
}
