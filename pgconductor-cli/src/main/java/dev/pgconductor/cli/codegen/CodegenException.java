package dev.pgconductor.cli.codegen;

/**
 * The generator was asked for something the database does not have, or given bad options: an
 * unknown schema or table, an invalid package name, an output directory it cannot write.
 */
public final class CodegenException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure with a message for the user. */
  public CodegenException(String message) {
    super(message);
  }

  /** A failure with a message for the user and its cause. */
  public CodegenException(String message, Throwable cause) {
    super(message, cause);
  }
}
