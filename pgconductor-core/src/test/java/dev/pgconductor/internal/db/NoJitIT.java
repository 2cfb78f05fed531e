package dev.pgconductor.internal.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The engine's functions never JIT-compile their statements: Postgres would compile them again on
 * every call once an estimate passes {@code jit_above_cost}, which a claim's estimate does with
 * workflows of many steps (hundreds of milliseconds per claim).
 */
class NoJitIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  @BeforeAll
  static void install() {
    db.installSchema();
  }

  @Test
  void everyFunctionOfTheEngineTurnsJitOff() {
    // retry_delay, free_abandoned_runs, finished_row, remove_at, outcome_rows, row_id, slot_start,
    // maintenance_time, window_opens and the two names of row-change triggers are SQL functions
    // Postgres inlines
    // into the statements that call them; a setting would stop that
    long without =
        db.queryLong(
            """
            select count(*) from pg_proc p
            where p.pronamespace = 'pgconductor'::regnamespace
              and p.proname not in
                ('retry_delay', 'free_abandoned_runs', 'finished_row', 'remove_at', 'outcome_rows',
                 'row_id', 'row_trigger_name', 'row_trigger_function', 'slot_start',
                 'maintenance_time', 'window_opens')
              and not coalesce('jit=off' = any (p.proconfig), false)
            """);
    assertThat(without).as("functions of the pgconductor schema without jit=off").isZero();
    long functions =
        db.queryLong(
            "select count(*) from pg_proc where pronamespace = 'pgconductor'::regnamespace");
    assertThat(functions).as("functions of the pgconductor schema").isGreaterThan(10);
  }

  @Test
  void hotPathStatementsAreNotCompiledWhereEveryOtherStatementWouldBe() throws SQLException {
    try (Connection c = DriverManager.getConnection(db.url())) {
      assumeTrue(queryBoolean(c, "select pg_jit_available()"), "this server has no JIT");
      try (Statement s = c.createStatement()) {
        s.execute("load 'auto_explain'");
        s.execute("set auto_explain.log_min_duration = 0");
        s.execute("set auto_explain.log_nested_statements = on");
        s.execute("set auto_explain.log_level = notice");
        // every statement passes the threshold; inlining and optimisation stay off to keep it quick
        s.execute("set jit = on");
        s.execute("set jit_above_cost = 0");
        s.execute("set jit_inline_above_cost = -1");
        s.execute("set jit_optimize_above_cost = -1");
      }
      // the check can see JIT: a statement outside the engine's functions is compiled
      assertThat(plans(c, "select count(*) from pgconductor.executions"))
          .anySatisfy(plan -> assertThat(plan).contains("JIT:"));

      for (String call :
          List.of(
              "select * from pgconductor.claim("
                  + registered()
                  + ", 'default', array['t'], 10, now())",
              "select pgconductor.record_steps(gen_random_uuid(), array['default'],"
                  + " array[gen_random_uuid()], array[1], array['s'], array['1'])",
              "select * from pgconductor.rescue(null, interval '1 hour', now())",
              "delete from pgconductor.orchestrators where id = " + registered(),
              "select pgconductor.cancel(gen_random_uuid(), 'test', now())",
              "select pgconductor.deregister(gen_random_uuid())")) {
        List<String> plans = plans(c, call);
        // the function's own statements were explained, so a compiled one would show
        assertThat(plans).as(call).hasSizeGreaterThan(1);
        assertThat(plans)
            .as(call)
            .filteredOn(plan -> !plan.contains("Query Text: " + call))
            .noneSatisfy(plan -> assertThat(plan).contains("JIT:"));
      }
    }
  }

  /** A registered orchestrator's id as a SQL literal: only those claim anything. */
  private static String registered() {
    String id = UUID.randomUUID().toString();
    db.execute(
        "insert into pgconductor.orchestrators (id, host, pid) values ('" + id + "', 'test', 1)");
    return "'" + id + "'";
  }

  /** Runs the statement and returns the plans auto_explain sent as notices. */
  private static List<String> plans(Connection c, String sql) throws SQLException {
    List<String> plans = new ArrayList<>();
    try (Statement s = c.createStatement()) {
      s.execute(sql);
      for (SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
        plans.add(w.getMessage());
      }
    }
    return plans;
  }

  private static boolean queryBoolean(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getBoolean(1);
    }
  }
}
