package dev.pgconductor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The shaded jar runs on its own in a child JVM (failsafe runs after the package phase). */
class JarSmokeIT {
  static final Path JAR =
      Path.of(System.getProperty("pgconductor.cli.jar", "target/pgconductor.jar"));

  record Run(int exitCode, String out, String err) {}

  static Run java(String... args) throws IOException, InterruptedException {
    assertThat(JAR).exists();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("DATABASE_URL");
    Path out = Files.createTempFile("pgconductor-jar", ".out");
    Path err = Files.createTempFile("pgconductor-jar", ".err");
    try {
      Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the jar finished").isTrue();
      return new Run(
          process.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  @Test
  void helpListsTheCommandsAndTheExitCodes() throws Exception {
    Run run = java("--help");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .startsWith("Usage: pgconductor")
        .contains("install", "status", "executions", "retry", "cancel", "invoke", "gen")
        .contains("Exit codes:", "3   the database cannot be reached");
    assertThat(run.err()).isEmpty();
  }

  @Test
  void versionAndAnUnreachableDatabase() throws Exception {
    Run version = java("--version");
    assertThat(version.exitCode()).isZero();
    assertThat(version.out()).startsWith("pgconductor 0.");
    Run status = java("status", "--url", Fixtures.UNREACHABLE);
    assertThat(status.exitCode()).isEqualTo(ExitCodes.DATABASE);
    assertThat(status.err())
        .startsWith("pgconductor: cannot connect to the database")
        .doesNotContain("\tat ");
    Run usage = java("executions", "list");
    assertThat(usage.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(usage.err()).contains("no database given");
  }
}
