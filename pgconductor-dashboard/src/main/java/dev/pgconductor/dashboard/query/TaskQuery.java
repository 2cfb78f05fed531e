package dev.pgconductor.dashboard.query;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/** Reads the registered tasks: the tasks some orchestrator has served. */
public final class TaskQuery {
  private final DataSource dataSource;

  /** Queries through this data source (one connection per call). */
  public TaskQuery(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * The task with this name, or empty when no orchestrator ever registered it.
   *
   * @throws SchemaNotInstalledException when the database has no pgconductor schema
   */
  public Optional<TaskInfo> find(String name) {
    Objects.requireNonNull(name, "name");
    return Jdbc.withConnection(
        dataSource,
        "reading task " + name,
        connection -> {
          try (PreparedStatement ps =
              connection.prepareStatement(
                  "select key, queue, max_attempts, invocable, concurrency, updated_at"
                      + " from pgconductor.tasks where key = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(task(rs)) : Optional.empty();
            }
          }
        });
  }

  /** Every registered task, by name. */
  public List<TaskInfo> list() {
    return Jdbc.withConnection(
        dataSource,
        "listing tasks",
        connection -> {
          List<TaskInfo> tasks = new ArrayList<>();
          try (var st = connection.createStatement();
              ResultSet rs =
                  st.executeQuery(
                      "select key, queue, max_attempts, invocable, concurrency, updated_at"
                          + " from pgconductor.tasks order by key")) {
            while (rs.next()) {
              tasks.add(task(rs));
            }
          }
          return List.copyOf(tasks);
        });
  }

  private static TaskInfo task(ResultSet rs) throws SQLException {
    return new TaskInfo(
        rs.getString("key"),
        rs.getString("queue"),
        rs.getInt("max_attempts"),
        rs.getBoolean("invocable"),
        Jdbc.integer(rs, "concurrency"),
        Jdbc.instant(rs, "updated_at"));
  }
}
