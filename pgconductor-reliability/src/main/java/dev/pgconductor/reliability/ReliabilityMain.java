package dev.pgconductor.reliability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The driver: {@code java -jar pgconductor-reliability.jar --scenarios all [--long]}. Starts its
 * own Postgres cluster, runs the scenarios, prints the checker's table and exits non-zero when a
 * scenario lost work, completed something twice, applied a transactional effect other than once or
 * reran a recorded step.
 */
@Command(
    name = "pgconductor-reliability",
    mixinStandardHelpOptions = true,
    description = "Fault injection against pgconductor worker JVMs and a throwaway Postgres.")
public final class ReliabilityMain implements Callable<Integer> {
  @Option(
      names = "--scenarios",
      defaultValue = "all",
      description = "all, or a comma-separated list of: ${COMPLETION-CANDIDATES}")
  String scenarios;

  @Option(names = "--long", description = "the long version (the kill storm: 20,000 executions)")
  boolean longRun;

  @Option(names = "--markdown", description = "also write the table as Markdown to this file")
  Path markdown;

  @Option(
      names = "--pg-bin",
      description = "a directory with initdb, pg_ctl and postgres (default: the bundled ones)")
  Path pgBin;

  @Option(names = "--seed", description = "seed of the fault schedule (default: the time)")
  Long seed;

  @Override
  public Integer call() throws Exception {
    long s = seed != null ? seed : System.nanoTime();
    System.out.println("seed " + s);
    List<ScenarioReport> reports = Reliability.run(Scenarios.named(scenarios), longRun, pgBin, s);
    System.out.println(ReportTable.text(reports));
    if (markdown != null) {
      Files.writeString(markdown, ReportTable.markdown(reports));
    }
    boolean broken =
        reports.stream()
            .anyMatch(
                r ->
                    r.lost() > 0
                        || r.duplicateCompletions() > 0
                        || r.effectsNotOne() > 0
                        || r.recordedStepsRerun() > 0);
    return broken ? 1 : 0;
  }

  /** Runs the driver. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ReliabilityMain()).execute(args));
  }
}
