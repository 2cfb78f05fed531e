package dev.pgconductor.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.dashboard.query.ExecutionDetail;
import dev.pgconductor.dashboard.query.ExecutionFilter;
import dev.pgconductor.dashboard.query.ExecutionPage;
import dev.pgconductor.dashboard.query.ExecutionQuery;
import dev.pgconductor.dashboard.query.ExecutionSummary;
import dev.pgconductor.dashboard.query.StepRecord;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code pgconductor executions}: lists executions, or shows one. */
@Command(
    name = "executions",
    header = "List executions, or show one.",
    description = "Lists executions, or shows one in full.",
    subcommands = {ExecutionsCommand.ListCommand.class, ExecutionsCommand.ShowCommand.class})
final class ExecutionsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "name a command: list or show");
  }

  static String state(ExecutionState state) {
    return state == null ? null : state.name().toLowerCase(Locale.ROOT);
  }

  /** Reads a state in any case, and names the states in lower case when it cannot. */
  static final class StateConverter implements ITypeConverter<ExecutionState> {
    @Override
    public ExecutionState convert(String value) {
      for (ExecutionState s : ExecutionState.values()) {
        if (s.name().equalsIgnoreCase(value.strip())) {
          return s;
        }
      }
      throw new TypeConversionException(
          "'"
              + value
              + "' is not a state: use pending, running, waiting, completed, failed or cancelled");
    }
  }

  /** {@code pgconductor executions list}. */
  @Command(
      name = "list",
      header = "List executions, newest first.",
      description = {
        "Lists executions, newest first, a page at a time. The last line gives the option that"
            + " shows the next page."
      })
  static final class ListCommand extends DatabaseCommandBase {

    @Option(names = "--task", paramLabel = "NAME", description = "Only executions of this task.")
    String task;

    @Option(names = "--queue", paramLabel = "NAME", description = "Only executions on this queue.")
    String queue;

    @Option(
        names = "--state",
        paramLabel = "STATE",
        converter = StateConverter.class,
        description =
            "Only executions in this state: pending, running, waiting, completed, failed or"
                + " cancelled.")
    ExecutionState state;

    @Option(
        names = "--since",
        paramLabel = "TIME",
        converter = TimeArgument.Converter.class,
        description =
            "Only executions created at or after this time: an instant (2025-05-01T12:00:00Z)"
                + " or a duration ago (15m, 1h, 2d).")
    TimeArgument since;

    @Option(
        names = "--until",
        paramLabel = "TIME",
        converter = TimeArgument.Converter.class,
        description = "Only executions created before this time (as --since).")
    TimeArgument until;

    @Option(
        names = "--after",
        paramLabel = "ID",
        description = "Only executions older than this one: the cursor of the next page.")
    String after;

    @Option(
        names = "--limit",
        paramLabel = "N",
        defaultValue = "50",
        description = "At most this many executions, 1 to 1000 (default: ${DEFAULT-VALUE}).")
    int limit;

    ListCommand(CliEnvironment environment) {
      super(environment);
    }

    @Override
    public Integer call() {
      if (limit < 1 || limit > 1000) {
        throw new ParameterException(
            spec.commandLine(), "--limit must be between 1 and 1000, got " + limit);
      }
      ExecutionFilter filter =
          new ExecutionFilter(
              task,
              queue,
              state,
              null,
              since == null ? null : since.ago(environment.clock()),
              until == null ? null : until.ago(environment.clock()),
              after == null ? null : after.strip(),
              limit);
      ExecutionPage page = new ExecutionQuery(database.dataSource(environment)).list(filter);
      PrintWriter out = spec.commandLine().getOut();
      if (json.json) {
        Json.print(out, page);
        return ExitCodes.OK;
      }
      if (page.executions().isEmpty()) {
        out.println("No execution matches.");
        out.flush();
        return ExitCodes.OK;
      }
      Table table = new Table("ID", "TASK", "QUEUE", "STATE", ">ATTEMPTS", "CREATED", "LAST ERROR");
      for (ExecutionSummary e : page.executions()) {
        table.row(
            e.id(),
            e.task(),
            e.queue(),
            state(e.state()),
            e.attempts(),
            Formats.instant(e.createdAt()),
            Formats.firstLine(e.lastError(), 60));
      }
      table.print(out, "");
      if (page.nextCursor() != null) {
        out.println("Next page: --after " + page.nextCursor());
      }
      out.flush();
      return ExitCodes.OK;
    }
  }

  /** {@code pgconductor executions show ID}. */
  @Command(
      name = "show",
      header = "Show one execution in full.",
      description = {
        "Shows one execution: payload, result, state, attempts, origin, timings, last error and"
            + " stack trace, recorded steps, parent and children."
      })
  static final class ShowCommand extends DatabaseCommandBase {

    @Parameters(paramLabel = "ID", description = "The execution's id.")
    String id;

    ShowCommand(CliEnvironment environment) {
      super(environment);
    }

    @Override
    public Integer call() {
      ExecutionDetail detail =
          new ExecutionQuery(database.dataSource(environment))
              .find(id)
              .orElseThrow(() -> CliException.request("no execution " + id.strip()));
      PrintWriter out = spec.commandLine().getOut();
      if (json.json) {
        Json.print(out, detail);
        return ExitCodes.OK;
      }
      ExecutionSummary e = detail.execution();
      out.println("Execution " + e.id());
      Table fields = new Table("FIELD", "VALUE");
      fields.row("task", e.task());
      fields.row("queue", e.queue());
      fields.row("state", state(e.state()));
      fields.row("attempts", e.attempts());
      fields.row("priority", e.priority());
      fields.row(
          "origin", e.originName() == null ? e.origin() : e.origin() + " (" + e.originName() + ")");
      fields.row("dedupe key", e.dedupeKey());
      fields.row("created", Formats.instant(e.createdAt()));
      fields.row("run at", Formats.instant(e.runAt()));
      fields.row("started", Formats.instant(e.startedAt()));
      fields.row("finished", Formats.instant(e.finishedAt()));
      printFields(out, fields);
      section(out, "Payload");
      out.println(indent(pretty(detail.payload())));
      if (detail.result() != null || e.state() == ExecutionState.COMPLETED) {
        section(out, "Result");
        out.println(indent(pretty(detail.result())));
      }
      if (e.lastError() != null) {
        section(out, "Last error");
        out.println(indent(e.lastError()));
        if (detail.lastErrorStack() != null) {
          out.println(indent(detail.lastErrorStack().stripTrailing()));
        }
      }
      section(out, "Steps");
      if (detail.steps().isEmpty()) {
        out.println(
            e.state().isFinished()
                ? "  (steps are removed when an execution finishes)"
                : "  (none recorded)");
      } else {
        Table steps = new Table("NAME", "DONE", "RESULT OR ERROR", "CHILD", "RECORDED");
        for (StepRecord s : detail.steps()) {
          steps.row(
              s.name(),
              s.done() ? "yes" : "no",
              s.error() != null
                  ? "error: " + Formats.firstLine(s.error(), 60)
                  : Formats.firstLine(compact(s.result()), 60),
              s.childId() == null
                  ? null
                  : s.childId()
                      + (s.childState() == null ? "" : " (" + state(s.childState()) + ")"),
              Formats.instant(s.createdAt()));
        }
        steps.print(out, "  ");
      }
      section(out, "Parent");
      if (detail.parent() != null) {
        ExecutionSummary p = detail.parent();
        out.println("  " + p.id() + "  " + p.task() + "  " + state(p.state()));
      } else {
        out.println(e.parentId() == null ? "  (none)" : "  " + e.parentId() + " (not retained)");
      }
      section(out, "Children");
      if (detail.children().isEmpty()) {
        out.println("  (none)");
      } else {
        Table children = new Table("ID", "TASK", "STATE", "CREATED", "FINISHED");
        for (ExecutionSummary c : detail.children()) {
          children.row(
              c.id(),
              c.task(),
              state(c.state()),
              Formats.instant(c.createdAt()),
              Formats.instant(c.finishedAt()));
        }
        children.print(out, "  ");
      }
      out.flush();
      return ExitCodes.OK;
    }

    private static void printFields(PrintWriter out, Table fields) {
      // a key-value list reads better without the header line
      java.io.StringWriter text = new java.io.StringWriter();
      fields.print(new PrintWriter(text), "  ");
      text.toString().lines().skip(1).forEach(out::println);
    }

    private static void section(PrintWriter out, String title) {
      out.println();
      out.println(title);
    }

    private static String pretty(JsonNode node) {
      if (node == null) {
        return "null";
      }
      try {
        return Json.MAPPER.writeValueAsString(node);
      } catch (JsonProcessingException e) {
        return node.toString();
      }
    }

    private static String compact(JsonNode node) {
      return node == null ? null : node.toString();
    }

    private static String indent(String text) {
      return text.lines()
          .map(l -> "  " + l)
          .reduce((a, b) -> a + System.lineSeparator() + b)
          .orElse("  ");
    }
  }
}
