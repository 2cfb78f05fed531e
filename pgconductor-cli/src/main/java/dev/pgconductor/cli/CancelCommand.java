package dev.pgconductor.cli;

import dev.pgconductor.Conductor;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.dashboard.query.ExecutionQuery;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pgconductor cancel ID}: cancels an execution. */
@Command(
    name = "cancel",
    header = "Cancel an execution.",
    description = {
      "Cancels an execution. One that is not running fails at once with the reason and never"
          + " runs; a running one stops at its next step or checkpoint and ends cancelled. Its"
          + " unfinished children are cancelled with it.",
      "Exits with 1 when the execution is unknown or already finished."
    })
final class CancelCommand extends DatabaseCommandBase {

  @Parameters(paramLabel = "ID", description = "The execution's id.")
  String id;

  @Option(
      names = "--reason",
      paramLabel = "TEXT",
      defaultValue = "Cancelled by user",
      description = "Why; kept as its last error (default: ${DEFAULT-VALUE}).")
  String reason;

  CancelCommand(CliEnvironment environment) {
    super(environment);
  }

  @Override
  public Integer call() {
    String executionId = RetryCommand.ExecutionIds.check(id);
    DataSource dataSource = database.dataSource(environment);
    ExecutionQuery query = new ExecutionQuery(dataSource);
    Optional<ExecutionState> before = query.state(executionId);
    if (before.isEmpty()) {
      throw CliException.request("no execution " + executionId);
    }
    boolean cancelled;
    try (Conductor<Void> conductor = Conductor.builder().dataSource(dataSource).build()) {
      cancelled = conductor.cancel(executionId, reason);
    }
    if (!cancelled) {
      String state = query.state(executionId).map(ExecutionsCommand::state).orElse("gone");
      throw CliException.request(
          "execution " + executionId + " has already finished (" + state + ")");
    }
    boolean running = before.get() == ExecutionState.RUNNING;
    PrintWriter out = spec.commandLine().getOut();
    if (json.json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("id", executionId);
      result.put("cancelled", true);
      result.put("wasRunning", running);
      Json.print(out, result);
    } else {
      out.println(
          running
              ? "Cancellation of execution "
                  + executionId
                  + " requested: it stops at its next step or checkpoint."
              : "Execution "
                  + executionId
                  + " is cancelled: it failed with the reason and will"
                  + " not run.");
      out.flush();
    }
    return ExitCodes.OK;
  }
}
