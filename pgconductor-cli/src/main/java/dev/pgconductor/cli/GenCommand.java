package dev.pgconductor.cli;

import dev.pgconductor.cli.codegen.GenerationOptions;
import dev.pgconductor.cli.codegen.GenerationResult;
import dev.pgconductor.cli.codegen.Progress;
import dev.pgconductor.cli.codegen.RecordGenerator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code pgconductor gen}: code generators. */
@Command(
    name = "gen",
    header = "Generate code from the database.",
    description = "Generates code from the database.",
    subcommands = {GenCommand.RecordsCommand.class})
final class GenCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "name a generator: records");
  }

  /** {@code pgconductor gen records}. */
  @Command(
      name = "records",
      header = "Generate Java records for tables and views.",
      description = {
        "Generates one Java record per table and view of the schemas, and one Java enum per"
            + " Postgres enum type they use, in a package under a source directory. The records"
            + " read rows as Postgres writes them in JSON (to_jsonb(row)), such as the rows a"
            + " row-change trigger hands to its handler.",
        "Run it again after a migration; it overwrites the files it wrote before."
      })
  static final class RecordsCommand implements Callable<Integer>, DatabaseCommand {
    private final CliEnvironment environment;

    @Spec CommandSpec spec;
    @Mixin DatabaseOptions database = new DatabaseOptions();

    @Option(
        names = "--schemas",
        paramLabel = "NAME",
        split = ",",
        defaultValue = "public",
        description = "The schemas, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> schemas;

    @Option(
        names = "--package",
        paramLabel = "NAME",
        required = true,
        description = "The Java package of the generated types, such as com.acme.db.")
    String packageName;

    @Option(
        names = "--out",
        paramLabel = "DIR",
        required = true,
        description = "The source root to write into, such as src/main/java.")
    Path out;

    @Option(
        names = "--tables",
        paramLabel = "NAME",
        split = ",",
        description = "Only these tables and views (name or schema.name), comma-separated.")
    List<String> tables;

    @Option(
        names = "--exact-table-names",
        description =
            "Name records after their table as it is (contacts → Contacts) instead of its"
                + " singular (contacts → Contact).")
    boolean exactNames;

    @Option(
        names = "--clean",
        description =
            "Delete the files of an earlier generation in the package that this one did not"
                + " write (files without the generator's header are never touched).")
    boolean clean;

    RecordsCommand(CliEnvironment environment) {
      this.environment = environment;
    }

    @Override
    public DatabaseOptions database() {
      return database;
    }

    @Override
    public Integer call() {
      GenerationOptions options =
          new GenerationOptions(
              schemas.stream().map(String::strip).filter(s -> !s.isEmpty()).toList(),
              packageName.strip(),
              out,
              tables == null
                  ? List.of()
                  : tables.stream().map(String::strip).filter(s -> !s.isEmpty()).toList(),
              !exactNames,
              clean);
      PrintWriter err = spec.commandLine().getErr();
      Progress progress =
          environment.interactive() ? new ProgressBar(err, "Generating") : Progress.none();
      GenerationResult result =
          new RecordGenerator(database.dataSource(environment)).generate(options, progress);
      PrintWriter stdout = spec.commandLine().getOut();
      long records = result.types().stream().filter(t -> t.kind().equals("record")).count();
      long enums = result.types().stream().filter(t -> t.kind().equals("enum")).count();
      stdout.println(
          "Generated "
              + records
              + (records == 1 ? " record" : " records")
              + " and "
              + enums
              + (enums == 1 ? " enum" : " enums")
              + " in "
              + result.directory()
              + ":");
      Table table = new Table("TYPE", "KIND", "FROM");
      for (GenerationResult.GeneratedType t : result.types()) {
        table.row(t.name(), t.kind(), t.source());
      }
      table.print(stdout, "  ");
      for (Path removed : result.removed()) {
        stdout.println("Removed " + removed + " (its table or type is gone)");
      }
      stdout.flush();
      return ExitCodes.OK;
    }
  }
}
