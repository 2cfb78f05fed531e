package dev.pgconductor.cli;

import dev.pgconductor.Conductor;
import dev.pgconductor.dashboard.query.AppliedMigration;
import dev.pgconductor.dashboard.query.SchemaQuery;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import picocli.CommandLine.Command;

/** {@code pgconductor install}: creates or upgrades the pgconductor schema. */
@Command(
    name = "install",
    header = "Install or upgrade the pgconductor schema.",
    description = {
      "Creates the pgconductor schema, or upgrades it to this version; does nothing when it is"
          + " current. Safe to run while orchestrators run, and from several places at once."
    })
final class InstallCommand extends DatabaseCommandBase {

  InstallCommand(CliEnvironment environment) {
    super(environment);
  }

  @Override
  public Integer call() {
    DataSource dataSource = database.dataSource(environment);
    SchemaQuery schema = new SchemaQuery(dataSource);
    List<AppliedMigration> before = schema.appliedMigrations();
    try (Conductor<Void> conductor = Conductor.builder().dataSource(dataSource).build()) {
      conductor.ensureInstalled();
    }
    List<AppliedMigration> after = schema.appliedMigrations();
    List<AppliedMigration> applied = new ArrayList<>(after);
    applied.removeIf(m -> before.stream().anyMatch(b -> b.version() == m.version()));
    int version = after.isEmpty() ? 0 : after.getLast().version();
    PrintWriter out = spec.commandLine().getOut();
    if (json.json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("version", version);
      result.put("previousVersion", before.isEmpty() ? 0 : before.getLast().version());
      result.put("applied", applied);
      Json.print(out, result);
    } else if (applied.isEmpty()) {
      out.println("The pgconductor schema is up to date (version " + version + ").");
    } else {
      out.println(
          (before.isEmpty() ? "Installed" : "Upgraded")
              + " the pgconductor schema to version "
              + version
              + ", applying:");
      for (AppliedMigration m : applied) {
        out.println("  " + m.name());
      }
    }
    out.flush();
    return ExitCodes.OK;
  }
}
