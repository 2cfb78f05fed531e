package dev.pgconductor.dashboard.query;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/** Reads the registered row-change triggers, and makes the Postgres triggers match them. */
public final class RowTriggerQuery {
  private static final String LIST =
      """
      select w.task_key, w.schema_name, w.table_name, w.operation, w.columns, w.condition,
             pgconductor.row_trigger_name(w.task_key, w.operation) as trigger_name,
             w.installed is not distinct from w.definition and exists (
               select 1 from pg_trigger t
               join pg_class c on c.oid = t.tgrelid
               join pg_namespace n on n.oid = c.relnamespace
               where n.nspname = w.schema_name and c.relname = w.table_name
                 and t.tgname = pgconductor.row_trigger_name(w.task_key, w.operation))
               as installed,
             (select count(*) from pgconductor.row_changes r
              where r.task_key = w.task_key
                and r.origin_name = w.schema_name || '.' || w.table_name || '.' || w.operation)
               as staged,
             w.updated_at
      from pgconductor.row_triggers w
      order by w.schema_name, w.table_name, w.operation, w.task_key""";

  private final DataSource dataSource;

  /** Queries through this data source (one connection per call). */
  public RowTriggerQuery(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * Every registered row-change trigger, by table.
   *
   * @throws SchemaNotInstalledException when the database has no pgconductor schema
   */
  public List<RowTriggerInfo> list() {
    return Jdbc.withConnection(
        dataSource,
        "listing row-change triggers",
        connection -> {
          List<RowTriggerInfo> triggers = new ArrayList<>();
          try (PreparedStatement ps = connection.prepareStatement(LIST);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              Array columns = rs.getArray("columns");
              triggers.add(
                  new RowTriggerInfo(
                      rs.getString("task_key"),
                      rs.getString("schema_name"),
                      rs.getString("table_name"),
                      rs.getString("operation"),
                      columns == null ? null : Arrays.asList((String[]) columns.getArray()),
                      rs.getString("condition"),
                      rs.getString("trigger_name"),
                      rs.getBoolean("installed"),
                      rs.getLong("staged"),
                      Jdbc.instant(rs, "updated_at")));
            }
          }
          return List.copyOf(triggers);
        });
  }

  /**
   * Creates the Postgres triggers that are missing or out of date and drops those no task wants any
   * more ({@code pgconductor.apply_row_triggers()}), as the role of the data source: an operator's
   * way to install triggers the application's role may not create.
   *
   * @throws SchemaNotInstalledException when the database has no pgconductor schema
   * @throws QueryException when Postgres refuses, for instance for lack of privileges
   */
  public List<AppliedTrigger> apply() {
    return Jdbc.withWritableConnection(
        dataSource,
        "applying row-change triggers",
        connection -> {
          List<AppliedTrigger> applied = new ArrayList<>();
          try (PreparedStatement ps =
                  connection.prepareStatement(
                      "select action, trigger_name, on_table, task_key"
                          + " from pgconductor.apply_row_triggers()");
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              applied.add(
                  new AppliedTrigger(
                      rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
            }
          }
          return List.copyOf(applied);
        });
  }
}
