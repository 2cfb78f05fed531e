package dev.pgconductor;

/** Base of every exception pgconductor throws. Specific subclasses say what went wrong. */
public class PgConductorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PgConductorException(String message) {
    super(message);
  }

  public PgConductorException(String message, Throwable cause) {
    super(message, cause);
  }
}
