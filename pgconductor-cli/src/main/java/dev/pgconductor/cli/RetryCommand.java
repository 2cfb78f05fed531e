package dev.pgconductor.cli;

import dev.pgconductor.Conductor;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.dashboard.query.ExecutionQuery;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pgconductor retry ID}: runs a failed or cancelled execution again. */
@Command(
    name = "retry",
    header = "Run a failed or cancelled execution again.",
    description = {
      "Runs a failed or cancelled execution again: it goes back to its queue, due now, with its"
          + " attempts counted from zero, and its handler starts from the beginning.",
      "Exits with 1 when the execution is unknown, or is not failed or cancelled."
    })
final class RetryCommand extends DatabaseCommandBase {

  @Parameters(paramLabel = "ID", description = "The execution's id.")
  String id;

  RetryCommand(CliEnvironment environment) {
    super(environment);
  }

  @Override
  public Integer call() {
    String executionId = ExecutionIds.check(id);
    DataSource dataSource = database.dataSource(environment);
    boolean retried;
    try (Conductor<Void> conductor = Conductor.builder().dataSource(dataSource).build()) {
      retried = conductor.retry(executionId);
    }
    if (!retried) {
      Optional<ExecutionState> state = new ExecutionQuery(dataSource).state(executionId);
      throw CliException.request(
          state
              .map(
                  s ->
                      "execution "
                          + executionId
                          + " is "
                          + ExecutionsCommand.state(s)
                          + ": only a failed or cancelled execution can be retried")
              .orElse("no execution " + executionId));
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json.json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("id", executionId);
      result.put("retried", true);
      Json.print(out, result);
    } else {
      out.println("Execution " + executionId + " is pending again, due now.");
      out.flush();
    }
    return ExitCodes.OK;
  }

  /** Execution ids given on the command line. */
  static final class ExecutionIds {
    private ExecutionIds() {}

    /** The id, normalized; a request error when it is not a UUID. */
    static String check(String id) {
      try {
        return UUID.fromString(id.strip()).toString();
      } catch (IllegalArgumentException e) {
        throw CliException.request("'" + id + "' is not an execution id (a UUID)");
      }
    }
  }
}
