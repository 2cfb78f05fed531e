package dev.pgconductor.internal.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cron expressions, parsed by cron-utils: five fields (minute hour day-of-month month day-of-week,
 * as crontab) or six with seconds first (as Spring). Parsed expressions are cached, since the
 * worker computes a schedule's next occurrence every time one finishes.
 */
public final class CronExpressions {
  private static final CronParser FIVE_FIELDS =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final CronParser SIX_FIELDS =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.SPRING));
  private static final Map<String, ExecutionTime> PARSED = new ConcurrentHashMap<>();

  private CronExpressions() {}

  /**
   * Parses an expression.
   *
   * @throws IllegalArgumentException naming what is wrong with it
   */
  public static ExecutionTime parse(String expression) {
    ExecutionTime cached = PARSED.get(expression);
    if (cached != null) {
      return cached;
    }
    String trimmed = expression.strip();
    int fields = trimmed.isEmpty() ? 0 : trimmed.split("\\s+").length;
    CronParser parser =
        switch (fields) {
          case 5 -> FIVE_FIELDS;
          case 6 -> SIX_FIELDS;
          default ->
              throw new IllegalArgumentException(
                  "has "
                      + fields
                      + " fields; a cron expression has 5 (minute hour day-of-month month"
                      + " day-of-week) or 6 (a seconds field first)");
        };
    ExecutionTime parsed;
    try {
      parsed = ExecutionTime.forCron(parser.parse(trimmed));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    PARSED.putIfAbsent(expression, parsed);
    return parsed;
  }

  /**
   * The first occurrence strictly after {@code after}, in {@code zone}, on a whole second; empty if
   * there is none. (cron-utils keeps the fraction of a second it is given: from 10:00:00.5 a
   * schedule of every second would next run at 10:00:01.5.)
   */
  public static Optional<Instant> next(String expression, ZoneId zone, Instant after) {
    return parse(expression)
        .nextExecution(ZonedDateTime.ofInstant(after, zone).truncatedTo(ChronoUnit.SECONDS))
        .map(z -> z.toInstant().truncatedTo(ChronoUnit.SECONDS));
  }
}
