package dev.pgconductor;

/**
 * Base of pgconductor's own exceptions: specific subclasses say what went wrong, and this class
 * itself reports a database failure (with the driver's exception as the cause). Misuse of the API
 * (a null, a bad value, a builder without a database) throws the JDK's {@code
 * NullPointerException}, {@code IllegalArgumentException} or {@code IllegalStateException} instead.
 */
public class PgConductorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public PgConductorException(String message) {
    super(message);
  }

  public PgConductorException(String message, Throwable cause) {
    super(message, cause);
  }
}
