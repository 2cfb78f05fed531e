package dev.pgconductor.internal.json;

/**
 * A value that cannot be stored: not writable as JSON, or holding what Postgres refuses. Running
 * the same code again produces the same value, so an attempt that ends with this fails for good
 * rather than using up its retries.
 */
public final class UnstorableValueException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public UnstorableValueException(String message, Throwable cause) {
    super(message, cause);
  }
}
