package dev.pgconductor.cli;

import java.io.Console;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Function;

/**
 * What the commands take from the process they run in, injectable so that they can run in-process
 * (in tests, or embedded in another tool) without touching the real environment.
 *
 * @param variables looks up an environment variable ({@code DATABASE_URL}); returns {@code null}
 *     for an unset one
 * @param clock the clock that relative times ({@code --since 1h}) are measured from
 * @param interactive whether standard error is a terminal, where progress bars are drawn
 */
public record CliEnvironment(Function<String, String> variables, Clock clock, boolean interactive) {

  /** Checks that nothing is null. */
  public CliEnvironment {
    Objects.requireNonNull(variables, "variables");
    Objects.requireNonNull(clock, "clock");
  }

  /** The real process: its environment variables, the system clock, and its console. */
  public static CliEnvironment system() {
    return new CliEnvironment(System::getenv, Clock.systemUTC(), isTerminal());
  }

  /**
   * Whether the process runs in a terminal. Since Java 22 {@code System.console()} is not null when
   * output is redirected, and {@code Console.isTerminal()} tells; on Java 21 a console exists only
   * in a terminal.
   */
  private static boolean isTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }

  /** The value of an environment variable, or {@code null} when it is unset or blank. */
  public String variable(String name) {
    String value = variables.apply(name);
    return value == null || value.isBlank() ? null : value;
  }
}
