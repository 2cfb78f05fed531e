package dev.pgconductor.cli;

/**
 * An expected failure of a command: its message is printed without a stack trace, and the command
 * exits with its code (see {@link ExitCodes}).
 */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  /** A failure that exits with {@code exitCode} after printing {@code message}. */
  public CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  /** A request that cannot be done ({@link ExitCodes#REQUEST}). */
  public static CliException request(String message) {
    return new CliException(ExitCodes.REQUEST, message);
  }

  /** The code the command exits with. */
  public int exitCode() {
    return exitCode;
  }
}
