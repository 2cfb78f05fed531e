package dev.pgconductor.bench.scenario;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The size of pgconductor's hot tables, for the fixed-rate steady states: every partition of {@code
 * pgconductor.executions} (with {@code executions_default}), {@code finished_executions} and {@code
 * steps}, with their indexes, live and dead tuples and autovacuum runs.
 *
 * <p>Tuple counts come from {@code pg_stat_user_tables}, which other sessions update when they
 * flush their statistics: at most once a second while busy, within ten seconds once idle. They lag
 * the tables by about a second; {@code pg_stat_force_next_flush()} would flush only this session's
 * own counts, so it does not help.
 */
final class HotTables {
  private static final String QUERY =
      """
      select c.relname::text,
             pg_total_relation_size(c.oid),
             pg_relation_size(c.oid),
             pg_indexes_size(c.oid),
             coalesce(s.n_live_tup, 0),
             coalesce(s.n_dead_tup, 0),
             coalesce(s.autovacuum_count, 0)
        from pg_class c
        left join pg_stat_user_tables s on s.relid = c.oid
       where c.oid in (select relid from pg_partition_tree('pgconductor.executions') where isleaf)
          or c.oid in ('pgconductor.finished_executions'::regclass, 'pgconductor.steps'::regclass)
       order by c.relname
      """;

  /** One table: sizes in bytes ({@code total} = heap, indexes and TOAST), tuple counts. */
  record Size(
      String table,
      long totalBytes,
      long heapBytes,
      long indexBytes,
      long liveTuples,
      long deadTuples,
      long autovacuums) {
    boolean isExecutions() {
      return table.startsWith("executions");
    }

    Map<String, Object> toRow() {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("table", table);
      row.put("total_bytes", totalBytes);
      row.put("heap_bytes", heapBytes);
      row.put("index_bytes", indexBytes);
      row.put("live_tuples", liveTuples);
      row.put("dead_tuples", deadTuples);
      row.put("autovacuum_count", autovacuums);
      return row;
    }
  }

  /** The sizes of every hot table at once. */
  record Snapshot(List<Size> tables) {
    long executionsBytes() {
      return tables.stream().filter(Size::isExecutions).mapToLong(Size::totalBytes).sum();
    }

    long executionsDeadTuples() {
      return tables.stream().filter(Size::isExecutions).mapToLong(Size::deadTuples).sum();
    }

    long bytes(String table) {
      return tables.stream().filter(t -> t.table().equals(table)).mapToLong(Size::totalBytes).sum();
    }

    long totalBytes() {
      return tables.stream().mapToLong(Size::totalBytes).sum();
    }

    long deadTuples() {
      return tables.stream().mapToLong(Size::deadTuples).sum();
    }

    List<Map<String, Object>> toRows() {
      return tables.stream().map(Size::toRow).toList();
    }
  }

  private HotTables() {}

  static Snapshot take(Connection c) throws SQLException {
    List<Size> sizes = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(QUERY)) {
      while (rs.next()) {
        sizes.add(
            new Size(
                rs.getString(1),
                rs.getLong(2),
                rs.getLong(3),
                rs.getLong(4),
                rs.getLong(5),
                rs.getLong(6),
                rs.getLong(7)));
      }
    }
    return new Snapshot(sizes);
  }

  /** Bytes as kB or MB. */
  static String bytes(long b) {
    return b < 1 << 20
        ? String.format(Locale.ROOT, "%.0f kB", b / 1024.0)
        : String.format(Locale.ROOT, "%.1f MB", b / 1048576.0);
  }
}
