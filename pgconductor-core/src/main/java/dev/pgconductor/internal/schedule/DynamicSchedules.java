package dev.pgconductor.internal.schedule;

import dev.pgconductor.PgConductorException;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.internal.db.Db;
import dev.pgconductor.internal.task.TaskRegistry;
import dev.pgconductor.internal.util.UuidV7;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;
import org.postgresql.util.PSQLException;

/**
 * Dynamic cron schedules, for {@code Conductor.schedule} and {@code TaskContext.schedule}: checked
 * here (task, name, expression, payload), then written with their first occurrence in one call.
 */
public final class DynamicSchedules {
  private final Db db;
  private final TaskRegistry tasks;

  public DynamicSchedules(Db db, TaskRegistry tasks) {
    this.db = db;
    this.tasks = tasks;
  }

  /** Creates or replaces the named schedule of a task. */
  public void schedule(
      TaskDefinition<?, ?> task, String name, String cron, ZoneId zone, Object payload) {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(cron, "cron");
    Objects.requireNonNull(zone, "zone");
    requireName(name);
    tasks.requireDefined(task);
    Instant next;
    try {
      next =
          CronExpressions.next(cron, zone, db.now())
              .orElseThrow(() -> new IllegalArgumentException("it has no next occurrence"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "task '"
              + task.name()
              + "': the cron expression '"
              + cron
              + "' of schedule '"
              + name
              + "' is invalid: "
              + e.getMessage(),
          e);
    }
    String payloadJson = tasks.payloadJson(task, payload);
    call(
        "schedule '" + name + "' of task '" + task.name() + "'",
        """
        select pgconductor.schedule(?, ?, ?, ?, ?::jsonb, ?::timestamptz, ?, ?::timestamptz)""",
        ps -> {
          ps.setString(1, task.name());
          ps.setString(2, name);
          ps.setString(3, cron);
          ps.setString(4, zone.getId());
          ps.setString(5, payloadJson);
          ps.setString(6, next.toString());
          ps.setObject(7, UuidV7.next());
          ps.setString(8, db.nowParam());
        });
  }

  /** Removes the named dynamic schedule of a task; false when there was none. */
  public boolean unschedule(TaskDefinition<?, ?> task, String name) {
    Objects.requireNonNull(task, "task");
    requireName(name);
    tasks.requireDefined(task);
    return call(
        "unschedule '" + name + "' of task '" + task.name() + "'",
        "select pgconductor.unschedule(?, ?)",
        ps -> {
          ps.setString(1, task.name());
          ps.setString(2, name);
        });
  }

  private static void requireName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a schedule needs a name that is not blank");
    }
  }

  @FunctionalInterface
  private interface Binder {
    void bind(PreparedStatement ps) throws SQLException;
  }

  private boolean call(String what, String sql, Binder binder) {
    try (var c = db.connection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      binder.bind(ps);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        Object answer = rs.getObject(1);
        return answer instanceof Boolean b ? b : true;
      }
    } catch (PSQLException e) {
      if (e.getServerErrorMessage() != null
          && "pgconductor:static-schedule".equals(e.getServerErrorMessage().getHint())) {
        throw new IllegalArgumentException(e.getServerErrorMessage().getMessage(), e);
      }
      throw new PgConductorException("Could not " + what + ": " + e.getMessage(), e);
    } catch (SQLException e) {
      throw new PgConductorException("Could not " + what + ": " + e.getMessage(), e);
    }
  }
}
