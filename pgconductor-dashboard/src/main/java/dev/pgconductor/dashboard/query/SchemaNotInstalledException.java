package dev.pgconductor.dashboard.query;

/**
 * The database has no {@code pgconductor} schema (or an incomplete one): install it first, with
 * {@code pgconductor install} or {@code Conductor.ensureInstalled()}.
 */
public final class SchemaNotInstalledException extends QueryException {
  private static final long serialVersionUID = 1L;

  /** The schema is missing; {@code cause} is the failed query's error. */
  public SchemaNotInstalledException(Throwable cause) {
    super(
        "the pgconductor schema is not installed in this database (run `pgconductor install`)",
        cause);
  }
}
