package dev.pgconductor.dashboard.query;

import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/** Reads which versions of the pgconductor schema a database has. */
public final class SchemaQuery {
  private final DataSource dataSource;

  /** Queries through this data source (one connection per call). */
  public SchemaQuery(DataSource dataSource) {
    this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
  }

  /**
   * The applied migrations, oldest first; empty when the schema is not installed.
   *
   * @throws QueryException when the database cannot be reached or the query fails
   */
  public List<AppliedMigration> appliedMigrations() {
    return Jdbc.withConnection(
        dataSource,
        "reading the schema version",
        connection -> {
          List<AppliedMigration> applied = new ArrayList<>();
          try (var st = connection.createStatement();
              ResultSet exists =
                  st.executeQuery(
                      "select to_regclass('pgconductor.schema_migrations') is not null")) {
            exists.next();
            if (!exists.getBoolean(1)) {
              return List.of();
            }
          }
          try (var st = connection.createStatement();
              ResultSet rs =
                  st.executeQuery(
                      "select version, name, applied_at from pgconductor.schema_migrations"
                          + " order by version")) {
            while (rs.next()) {
              applied.add(
                  new AppliedMigration(
                      rs.getInt("version"), rs.getString("name"), Jdbc.instant(rs, "applied_at")));
            }
          }
          return List.copyOf(applied);
        });
  }
}
