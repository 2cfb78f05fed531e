package dev.pgconductor.dashboard.query;

import java.sql.Array;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Reads what starts executions besides invokes: the cron schedules and the event subscriptions.
 * (Row-change triggers have {@link RowTriggerQuery}.)
 */
public final class TriggerQuery {
  private final DataSource dataSource;

  /** Queries through this data source (one connection per call). */
  public TriggerQuery(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Every schedule, by task and name.
   *
   * @throws SchemaNotInstalledException when the database has no pgconductor schema
   */
  public List<ScheduleInfo> schedules() {
    return Jdbc.withConnection(
        dataSource,
        "listing schedules",
        connection -> {
          List<ScheduleInfo> schedules = new ArrayList<>();
          try (var st = connection.createStatement();
              ResultSet rs =
                  st.executeQuery(
                      "select task_key, name, cron, time_zone, dynamic, payload, next_at,"
                          + " next_id, updated_at from pgconductor.schedules"
                          + " order by task_key, name")) {
            while (rs.next()) {
              schedules.add(
                  new ScheduleInfo(
                      rs.getString("task_key"),
                      rs.getString("name"),
                      rs.getString("cron"),
                      rs.getString("time_zone"),
                      rs.getBoolean("dynamic"),
                      Jdbc.json(rs, "payload"),
                      Jdbc.instant(rs, "next_at"),
                      Jdbc.uuid(rs, "next_id"),
                      Jdbc.instant(rs, "updated_at")));
            }
          }
          return List.copyOf(schedules);
        });
  }

  /**
   * Every event subscription, by event and task.
   *
   * @throws SchemaNotInstalledException when the database has no pgconductor schema
   */
  public List<SubscriptionInfo> subscriptions() {
    return Jdbc.withConnection(
        dataSource,
        "listing event subscriptions",
        connection -> {
          List<SubscriptionInfo> subscriptions = new ArrayList<>();
          try (var st = connection.createStatement();
              ResultSet rs =
                  st.executeQuery(
                      "select event, task_key, fields, condition, updated_at"
                          + " from pgconductor.subscriptions order by event, task_key")) {
            while (rs.next()) {
              Array fields = rs.getArray("fields");
              subscriptions.add(
                  new SubscriptionInfo(
                      rs.getString("event"),
                      rs.getString("task_key"),
                      fields == null ? null : Arrays.asList((String[]) fields.getArray()),
                      rs.getString("condition"),
                      Jdbc.instant(rs, "updated_at")));
            }
          }
          return List.copyOf(subscriptions);
        });
  }
}
