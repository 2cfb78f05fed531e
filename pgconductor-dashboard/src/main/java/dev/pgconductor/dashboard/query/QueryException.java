package dev.pgconductor.dashboard.query;

/**
 * A read query failed; the cause is the driver's {@link java.sql.SQLException}. Use {@link
 * Databases#isConnectionFailure(Throwable)} to tell an unreachable database from other failures.
 */
public class QueryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure with a message and its cause. */
  public QueryException(String message, Throwable cause) {
    super(message, cause);
  }
}
