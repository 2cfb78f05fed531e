package dev.pgconductor.cli;

import dev.pgconductor.dashboard.query.OrchestratorStatus;
import dev.pgconductor.dashboard.query.QueueStatus;
import dev.pgconductor.dashboard.query.Status;
import dev.pgconductor.dashboard.query.StatusQuery;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgconductor status}: queues and orchestrators at a glance. */
@Command(
    name = "status",
    header = "Show queues, recent outcomes and orchestrators.",
    description = {
      "Shows each queue's executions by state (pending: due now; scheduled: due later; running;"
          + " waiting: sleeping or waiting for a child), how long the oldest pending one has been"
          + " due, how many finished recently, and the registered orchestrators with what they"
          + " serve."
    })
final class StatusCommand extends DatabaseCommandBase {

  @Option(
      names = "--window",
      paramLabel = "DURATION",
      defaultValue = "1h",
      converter = TimeArgument.DurationConverter.class,
      description = "How far back to count finished executions (default: ${DEFAULT-VALUE}).")
  Duration window;

  StatusCommand(CliEnvironment environment) {
    super(environment);
  }

  @Override
  public Integer call() {
    Status status = new StatusQuery(database.dataSource(environment)).read(window);
    PrintWriter out = spec.commandLine().getOut();
    if (json.json) {
      Json.print(out, status);
      return ExitCodes.OK;
    }
    if (status.queues().isEmpty()) {
      out.println("No queue yet.");
    } else {
      Table queues =
          new Table(
              "QUEUE",
              ">PENDING",
              ">SCHEDULED",
              ">RUNNING",
              ">WAITING",
              "OLDEST PENDING",
              ">COMPLETED",
              ">FAILED",
              ">CANCELLED");
      for (QueueStatus q : status.queues()) {
        queues.row(
            q.queue(),
            q.pending(),
            q.scheduled(),
            q.running(),
            q.waiting(),
            Formats.duration(q.oldestPendingAge()),
            q.completed(),
            q.failed(),
            q.cancelled());
      }
      queues.print(out, "");
      out.println(
          "(completed, failed, cancelled: in the last "
              + Formats.duration(status.window())
              + "; at "
              + Formats.instant(status.at())
              + ")");
    }
    out.println();
    if (status.orchestrators().isEmpty()) {
      out.println("No orchestrator is registered.");
    } else {
      Table orchestrators =
          new Table("ORCHESTRATOR", "HOST", ">PID", "STARTED", "LAST HEARTBEAT", "SERVES");
      for (OrchestratorStatus o : status.orchestrators()) {
        orchestrators.row(
            o.id(),
            o.host(),
            o.pid(),
            Formats.instant(o.startedAt()),
            Formats.duration(o.heartbeatAge()) + " ago",
            o.serves().isEmpty()
                ? null
                : o.serves().stream()
                    .map(s -> s.queue() + ": " + String.join(", ", s.tasks()))
                    .collect(Collectors.joining("; ")));
      }
      orchestrators.print(out, "");
    }
    out.flush();
    return ExitCodes.OK;
  }
}
