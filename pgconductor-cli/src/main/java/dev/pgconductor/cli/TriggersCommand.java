package dev.pgconductor.cli;

import dev.pgconductor.dashboard.query.AppliedTrigger;
import dev.pgconductor.dashboard.query.RowTriggerInfo;
import dev.pgconductor.dashboard.query.RowTriggerQuery;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code pgconductor triggers}: the row-change triggers, and installing them as an operator. */
@Command(
    name = "triggers",
    header = "List the row-change triggers, or install them.",
    description =
        "Lists the row-change triggers tasks subscribe to, or makes the Postgres triggers.",
    subcommands = {TriggersCommand.ListCommand.class, TriggersCommand.ApplyCommand.class})
final class TriggersCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "name a command: list or apply");
  }

  /** {@code pgconductor triggers list}. */
  @Command(
      name = "list",
      header = "List the row-change triggers the orchestrators registered.",
      description = {
        "Lists the row-change triggers the orchestrators registered from the code, by table, and"
            + " whether the Postgres trigger on the table is in place. 'pending' means it is"
            + " missing or out of date: an orchestrator's next start, or 'triggers apply', makes"
            + " it."
      })
  static final class ListCommand extends DatabaseCommandBase {

    ListCommand(CliEnvironment environment) {
      super(environment);
    }

    @Override
    public Integer call() {
      List<RowTriggerInfo> triggers = new RowTriggerQuery(database.dataSource(environment)).list();
      PrintWriter out = spec.commandLine().getOut();
      if (json.json) {
        Json.print(out, Map.of("triggers", triggers));
        return ExitCodes.OK;
      }
      if (triggers.isEmpty()) {
        out.println("No row-change trigger is registered.");
        out.flush();
        return ExitCodes.OK;
      }
      Table table = new Table("TABLE", "ON", "TASK", "COLUMNS", "WHEN", "TRIGGER", "STATE");
      for (RowTriggerInfo t : triggers) {
        table.row(
            t.schema() + "." + t.table(),
            t.operation(),
            t.task(),
            t.columns() == null ? "all" : String.join(", ", t.columns()),
            t.condition() == null ? "" : t.condition(),
            t.triggerName(),
            (t.installed() ? "installed" : "pending")
                + (t.stagedChunks() > 0 ? ", " + t.stagedChunks() + " chunks staged" : ""));
      }
      table.print(out, "");
      out.flush();
      return ExitCodes.OK;
    }
  }

  /** {@code pgconductor triggers apply}. */
  @Command(
      name = "apply",
      header = "Make the Postgres triggers match the registered row-change triggers.",
      description = {
        "Creates the Postgres triggers that are missing or out of date and drops those no task"
            + " subscribes to any more, as the role of --url. Run it as the tables' owner when the"
            + " application's role may not create triggers: its orchestrators register what the"
            + " code declares, fail to start until the triggers exist, and start once they do.",
        "Prints what it did; nothing when everything was in place."
      })
  static final class ApplyCommand extends DatabaseCommandBase {

    ApplyCommand(CliEnvironment environment) {
      super(environment);
    }

    @Override
    public Integer call() {
      List<AppliedTrigger> applied = new RowTriggerQuery(database.dataSource(environment)).apply();
      PrintWriter out = spec.commandLine().getOut();
      if (json.json) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("applied", applied);
        Json.print(out, result);
        return ExitCodes.OK;
      }
      if (applied.isEmpty()) {
        out.println("Every row-change trigger is in place.");
      } else {
        Table table = new Table("ACTION", "TRIGGER", "TABLE", "TASK");
        for (AppliedTrigger a : applied) {
          table.row(a.action(), a.trigger(), a.table(), a.task() == null ? "" : a.task());
        }
        table.print(out, "");
      }
      out.flush();
      return ExitCodes.OK;
    }
  }
}
