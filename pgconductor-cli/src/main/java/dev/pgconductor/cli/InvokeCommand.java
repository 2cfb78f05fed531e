package dev.pgconductor.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgconductor.Conductor;
import dev.pgconductor.InvokeOptions;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.dashboard.query.TaskInfo;
import dev.pgconductor.dashboard.query.TaskQuery;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pgconductor invoke TASK --payload JSON}: stores an execution of a task. */
@Command(
    name = "invoke",
    header = "Invoke a task with a JSON payload.",
    description = {
      "Invokes a task by name with a JSON payload, on the queue its orchestrators registered,"
          + " and prints the execution's id. The task must be registered (served by an"
          + " orchestrator at least once) and invocable.",
      "With a dedupe key that a not yet started execution of the task holds, that execution's"
          + " payload, priority and run time are replaced and its id is printed."
    })
final class InvokeCommand extends DatabaseCommandBase {
  private static final ObjectMapper TREES = new ObjectMapper();

  @Parameters(paramLabel = "TASK", description = "The task's name.")
  String task;

  @Option(
      names = "--payload",
      paramLabel = "JSON",
      defaultValue = "null",
      description =
          "The payload as JSON, or @FILE to read it from a file (default: ${DEFAULT-VALUE}).")
  String payload;

  @Option(
      names = "--dedupe-key",
      paramLabel = "KEY",
      description = "At most one not yet started execution of the task per key.")
  String dedupeKey;

  @Option(
      names = "--priority",
      paramLabel = "N",
      defaultValue = "0",
      description = "Higher runs first within the queue (default: ${DEFAULT-VALUE}).")
  int priority;

  @Option(
      names = "--run-at",
      paramLabel = "TIME",
      converter = TimeArgument.Converter.class,
      description =
          "Not before this time: an instant (2025-05-01T12:00:00Z) or a duration from now (10m).")
  TimeArgument runAt;

  InvokeCommand(CliEnvironment environment) {
    super(environment);
  }

  @Override
  public Integer call() {
    JsonNode body = parsePayload();
    if (dedupeKey != null && dedupeKey.isEmpty()) {
      throw CliException.request("the dedupe key must not be empty");
    }
    DataSource dataSource = database.dataSource(environment);
    TaskInfo info =
        new TaskQuery(dataSource)
            .find(task)
            .orElseThrow(
                () ->
                    CliException.request(
                        "unknown task '"
                            + task
                            + "': no orchestrator has registered it (see pgconductor.tasks)"));
    if (!info.invocable()) {
      throw CliException.request(
          "task '" + task + "' is not invocable: it is registered without an invocable trigger");
    }
    TaskDefinition<JsonNode, JsonNode> definition =
        TaskDefinition.of(task, JsonNode.class, JsonNode.class).onQueue(info.queue());
    InvokeOptions options =
        new InvokeOptions(
            dedupeKey, priority, runAt == null ? null : runAt.fromNow(environment.clock()));
    Instant before = databaseNow(dataSource);
    String id;
    try (Conductor<Void> conductor =
        Conductor.builder().dataSource(dataSource).tasks(TaskSchemas.of(definition)).build()) {
      id = conductor.invoke(definition, body, options).orElseThrow();
    }
    boolean deduplicated = dedupeKey != null && createdBefore(dataSource, id, before);
    PrintWriter out = spec.commandLine().getOut();
    if (json.json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("id", id);
      result.put("task", task);
      result.put("queue", info.queue());
      result.put("deduplicated", deduplicated);
      Json.print(out, result);
    } else if (deduplicated) {
      out.println(
          "Dedupe key '"
              + dedupeKey
              + "' matched execution "
              + id
              + ", not started yet: its payload, priority and run time were replaced.");
    } else {
      out.println("Invoked task '" + task + "' on queue '" + info.queue() + "': execution " + id);
    }
    out.flush();
    return ExitCodes.OK;
  }

  private JsonNode parsePayload() {
    String text = payload;
    if (text.startsWith("@")) {
      Path file = Path.of(text.substring(1));
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw CliException.request("cannot read the payload file " + file + ": " + e);
      }
    }
    try {
      JsonNode node = TREES.readTree(text);
      if (node == null || node.isMissingNode()) {
        throw CliException.request("the payload is empty: give JSON, such as {} or null");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw CliException.request("the payload is not valid JSON: " + e.getOriginalMessage());
    }
  }

  private static Instant databaseNow(DataSource dataSource) {
    try (Connection c = dataSource.getConnection();
        var st = c.createStatement();
        ResultSet rs = st.executeQuery("select now()")) {
      rs.next();
      return rs.getObject(1, OffsetDateTime.class).toInstant();
    } catch (SQLException e) {
      throw new IllegalStateException("reading the database clock failed: " + e.getMessage(), e);
    }
  }

  /** Whether the execution existed before this invoke: its dedupe key matched. */
  private static boolean createdBefore(DataSource dataSource, String id, Instant before) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("select created_at from pgconductor.all_executions where id = ?")) {
      ps.setObject(1, UUID.fromString(id));
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getObject(1, OffsetDateTime.class).toInstant().isBefore(before);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("reading execution " + id + " failed: " + e.getMessage(), e);
    }
  }
}
