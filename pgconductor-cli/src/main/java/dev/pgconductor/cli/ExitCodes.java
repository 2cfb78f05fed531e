package dev.pgconductor.cli;

/**
 * The exit codes of the {@code pgconductor} command, for scripts.
 *
 * <table>
 *   <caption>Exit codes</caption>
 *   <tr><th>code</th><th>meaning</th></tr>
 *   <tr><td>0</td><td>done</td></tr>
 *   <tr><td>1</td><td>the request cannot be done: an unknown execution or task, an execution in a
 *       state the action does not apply to, a payload that is not JSON, an unknown schema or
 *       table, the schema not installed, or an error the database reported</td></tr>
 *   <tr><td>2</td><td>usage: an unknown command or option, a missing or malformed argument</td></tr>
 *   <tr><td>3</td><td>the database cannot be reached, or refused the login</td></tr>
 * </table>
 */
public final class ExitCodes {
  private ExitCodes() {}

  /** Done. */
  public static final int OK = 0;

  /** The request cannot be done (unknown id or task, wrong state, bad input). */
  public static final int REQUEST = 1;

  /** A usage error: unknown command or option, missing or malformed argument. */
  public static final int USAGE = 2;

  /** The database cannot be reached, or refused the login. */
  public static final int DATABASE = 3;
}
