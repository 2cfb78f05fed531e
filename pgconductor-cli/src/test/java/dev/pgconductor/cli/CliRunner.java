package dev.pgconductor.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Map;
import picocli.CommandLine;

/** Runs the command line in-process with captured output and an environment of the test's own. */
final class CliRunner {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, String> variables;
  private final Clock clock;

  CliRunner(Map<String, String> variables) {
    this(variables, Clock.systemUTC());
  }

  CliRunner(Map<String, String> variables, Clock clock) {
    this.variables = Map.copyOf(variables);
    this.clock = clock;
  }

  /** A runner whose DATABASE_URL is this URL. */
  static CliRunner withDatabase(String url) {
    return new CliRunner(Map.of("DATABASE_URL", url));
  }

  /** A runner with no environment variable at all. */
  static CliRunner withoutEnvironment() {
    return new CliRunner(Map.of());
  }

  Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine(new CliEnvironment(variables::get, clock, false));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  /** What a command did. */
  record Result(int exitCode, String out, String err) {
    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + out + "\nstderr: " + err, e);
      }
    }

    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
    }
  }
}
