package dev.pgconductor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command explains itself without a database. */
class HelpTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "install",
        "status",
        "executions",
        "executions list",
        "executions show",
        "retry",
        "cancel",
        "invoke",
        "triggers",
        "triggers list",
        "triggers apply",
        "dashboard",
        "gen",
        "gen records"
      })
  void helpOfEveryCommand(String command) {
    String[] args = (command.isEmpty() ? "--help" : command + " --help").split(" ");
    var result = CliRunner.withoutEnvironment().run(args);
    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out())
        .contains("Usage: pgconductor" + (command.isEmpty() ? " " : " " + command + " "))
        .contains("Exit codes:");
    assertThat(result.err()).isEmpty();
  }
}
