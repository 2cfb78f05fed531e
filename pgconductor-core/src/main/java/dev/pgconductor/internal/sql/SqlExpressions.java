package dev.pgconductor.internal.sql;

/**
 * Checks of the SQL conditions users write in triggers (event subscriptions, row-change triggers).
 * A condition is spliced into a statement that Postgres then checks, so what must be ruled out here
 * is only what could end the expression early and start other SQL.
 */
public final class SqlExpressions {
  private SqlExpressions() {}

  /**
   * Refuses a condition that could be more than one SQL expression: a semicolon, a comment or a
   * dollar quote outside string literals and quoted identifiers, an escape string, an unterminated
   * literal, or parentheses that close more than they open (which would end the enclosing
   * parenthesis) or stay open. What passes is checked by Postgres when the orchestrator registers
   * the trigger.
   *
   * @param over what the expression ranges over, for the message ({@code payload}, {@code new and
   *     old})
   * @throws IllegalArgumentException saying what was found
   */
  public static void requireOneExpression(String condition, String over) {
    char quote = 0; // ' or " while inside a literal or quoted identifier
    int depth = 0;
    for (int i = 0; i < condition.length(); i++) {
      char c = condition.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          if (i + 1 < condition.length() && condition.charAt(i + 1) == quote) {
            i++; // a doubled quote stands for itself
          } else {
            quote = 0;
          }
        }
        continue;
      }
      switch (c) {
        case '\'', '"' -> {
          if (c == '\'' && escapeStringAt(condition, i)) {
            // in E'...' a backslash escapes a quote, which this check does not follow
            throw refused(condition, over, "an escape string (E'...')");
          }
          quote = c;
        }
        case ';' -> throw refused(condition, over, "a semicolon");
        case '$' -> throw refused(condition, over, "a dollar sign (dollar quoting)");
        case '(' -> depth++;
        case ')' -> {
          if (--depth < 0) {
            throw refused(condition, over, "a ')' that closes no '('");
          }
        }
        case '-' -> {
          if (i + 1 < condition.length() && condition.charAt(i + 1) == '-') {
            throw refused(condition, over, "a comment (--)");
          }
        }
        case '/' -> {
          if (i + 1 < condition.length() && condition.charAt(i + 1) == '*') {
            throw refused(condition, over, "a comment (/*)");
          }
        }
        default -> {}
      }
    }
    if (quote != 0) {
      throw refused(condition, over, "an unterminated quote");
    }
    if (depth != 0) {
      throw refused(condition, over, "a '(' that is never closed");
    }
  }

  /** Whether the quote at {@code i} opens an escape string: E'...' (E not ending a word). */
  private static boolean escapeStringAt(String condition, int i) {
    if (i == 0 || Character.toUpperCase(condition.charAt(i - 1)) != 'E') {
      return false;
    }
    return i == 1
        || !(Character.isLetterOrDigit(condition.charAt(i - 2)) || condition.charAt(i - 2) == '_');
  }

  private static IllegalArgumentException refused(String condition, String over, String what) {
    return new IllegalArgumentException(
        "the condition \""
            + condition
            + "\" contains "
            + what
            + "; it must be one boolean SQL expression over "
            + over);
  }
}
