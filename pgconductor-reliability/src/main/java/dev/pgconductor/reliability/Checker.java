package dev.pgconductor.reliability;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * Joins what the driver invoked, what the step bodies logged and what the engine recorded, and
 * turns it into a {@link ScenarioReport}. It only reads: the harness's tables and the engine's
 * {@code executions}, {@code finished_executions} and {@code all_executions}.
 */
public final class Checker {
  /** Kinds of invokes whose outcome is checked; poison kinds are reported by their scenario. */
  static final String[] HEALTHY = {"order", "quick"};

  /** The recorded token of each plain step of each completed healthy execution. */
  private static final String RECORDED =
      """
      with recorded(execution_id, step, token) as (
        select f.id, s.step, s.token
        from pgconductor.finished_executions f
        cross join lateral (values ('reserve', f.result->>'reserve'), ('ship', f.result->>'ship'))
          as s(step, token)
        where f.task_key = 'rel.order' and f.state = 'completed'
        union all
        select f.id, 'render', f.result #>> '{}'
        from pgconductor.finished_executions f
        where f.task_key = 'rel.receipt' and f.state = 'completed'
        union all
        select f.id, 'work', f.result #>> '{}'
        from pgconductor.finished_executions f
        where f.task_key = 'rel.quick' and f.state = 'completed' and jsonb_typeof(f.result) = 'string'
      )
      """;

  private Checker() {}

  /** Checks a scenario that ran on {@code run}'s database. */
  public static ScenarioReport check(ScenarioRun run, double seconds) {
    try (Connection c = DriverManager.getConnection(run.url())) {
      long faults = count(c, "select count(*) from harness.faults");
      long invoked =
          count(c, "select count(*) from harness.invokes where kind = any(?::text[])", HEALTHY);
      long completed =
          count(
              c,
              "select count(*) from harness.invokes i join pgconductor.finished_executions f"
                  + " on f.id = i.execution_id where i.kind = any(?::text[]) and f.state = 'completed'",
              HEALTHY);
      long failed =
          count(
              c,
              "select count(*) from harness.invokes i join pgconductor.finished_executions f"
                  + " on f.id = i.execution_id where i.kind = any(?::text[]) and f.state <> 'completed'",
              HEALTHY);
      long duplicates =
          count(
                  c,
                  "select count(*) from (select id from pgconductor.finished_executions"
                      + " group by id having count(*) > 1) d")
              + count(
                  c,
                  "select count(*) from pgconductor.finished_executions f"
                      + " join pgconductor.executions e on e.id = f.id")
              + count(
                  c,
                  "select count(*) from (select parent_id from pgconductor.all_executions"
                      + " where parent_id is not null group by parent_id having count(*) > 1) d");
      long effectsNotOne =
          count(
              c,
              """
              select count(*) from pgconductor.finished_executions f
              where f.task_key = 'rel.order' and f.state = 'completed'
                and ((select count(*) from harness.effects x where x.execution_id = f.id) <> 1
                  or not exists (select 1 from harness.effects x
                                 where x.execution_id = f.id
                                   and x.id = (f.result->>'effectId')::bigint))
              """);
      long recordedReruns =
          count(
              c,
              RECORDED
                  + """
                  select count(*) from recorded r
                  join harness.step_runs run
                    on run.execution_id = r.execution_id and run.step = r.step and run.token = r.token
                  join harness.step_runs later
                    on later.execution_id = r.execution_id and later.step = r.step
                   and later.started_at > run.started_at
                  """);
      long recordedWithoutRun =
          count(
              c,
              RECORDED
                  + """
                  select count(*) from recorded r where r.token is not null and not exists
                    (select 1 from harness.step_runs run where run.execution_id = r.execution_id
                       and run.step = r.step and run.token = r.token)
                  """);
      long plainReruns =
          count(
              c,
              "select coalesce(sum(n - 1), 0) from (select count(*) n from harness.step_runs"
                  + " where step <> 'charge' group by execution_id, step) r");
      long attempts =
          count(
              c,
              "select count(*) from pgconductor.finished_executions"
                  + " where state = 'completed' and attempts > 1"
                  + " and task_key in ('rel.order', 'rel.receipt', 'rel.quick')");
      long samples = count(c, "select count(*) from harness.recoveries");
      double[] recovery = recovery(c);
      List<String> notes = new java.util.ArrayList<>(run.notes());
      double[] rescue = rescue(c);
      // the docs' bound, counted from the moment the rescue was allowed
      double extra =
          (run.recoveryBound().toMillis() - run.settings().recoveryBound().toMillis()) / 1000.0;
      double afterAllowed =
          (run.settings().heartbeatInterval().toMillis()
                  + WorkerSettings.CLAIM_ALLOWANCE.toMillis())
              / 1000.0;
      double timeoutSeconds = run.settings().heartbeatTimeout().toMillis() / 1000.0;
      long beyond =
          (long)
              queryWith(
                  c,
                  "select count(*) from harness.recoveries r join harness.faults f"
                      + " on f.id = r.fault_id where r.seconds > coalesce(f.allowed_seconds, ?) + ?",
                  timeoutSeconds,
                  afterAllowed + extra);
      double lateness =
          queryWith(
              c,
              "select coalesce(max(r.seconds - coalesce(f.allowed_seconds, ?) - ?), 0)"
                  + " from harness.recoveries r join harness.faults f on f.id = r.fault_id",
              timeoutSeconds,
              afterAllowed + extra);
      if (samples > 0) {
        double[] allowed = allowed(c);
        notes.add(
            String.format(
                java.util.Locale.ROOT,
                "after a kill, the rescue was allowed (dead worker's timeout passed and a peer live"
                    + " for the timeout) p50 %.2f s, max %.2f s; it happened (executions back in"
                    + " the queue) p50 %.2f s, max %.2f s; %d pick-ups beyond the bound (allowed +"
                    + " %.1f s)",
                allowed[0],
                allowed[1],
                rescue[0],
                rescue[1],
                beyond,
                afterAllowed + extra));
      }
      if (beyond > 0) {
        notes.add(
            "faults with pick-ups beyond the bound (seconds after the fault): "
                + String.join(
                    "; ",
                    queryStrings(
                        c,
                        "select f.kind || ' of ' || coalesce(f.worker, '?') || ' at '"
                            + " || to_char(f.at, 'HH24:MI:SS.MS') || ': allowed '"
                            + " || coalesce(round(f.allowed_seconds::numeric, 2)::text, 'never')"
                            + " || ', released ' || round(min(r.rescue_seconds)::numeric, 2)"
                            + " || '-' || round(max(r.rescue_seconds)::numeric, 2)"
                            + " || ', picked up ' || round(min(r.seconds)::numeric, 2) || '-'"
                            + " || round(max(r.seconds)::numeric, 2) || ' (' || count(*) || ')'"
                            + " from harness.faults f join harness.recoveries r on r.fault_id = f.id"
                            + " group by f.id having max(r.seconds)"
                            + " > coalesce(f.allowed_seconds, "
                            + timeoutSeconds
                            + ") + "
                            + (afterAllowed + extra)
                            + " order by f.id")));
      }
      List<String> faultErrors = faultErrors(c);
      if (!faultErrors.isEmpty()) {
        notes.add("attempts used by faults, by last error: " + String.join("; ", faultErrors));
      }
      if (recordedReruns > 0) {
        notes.add("recorded steps that ran again: " + rerunExamples(c));
      }
      if (recordedWithoutRun > 0) {
        notes.add(recordedWithoutRun + " recorded step results name a run that was never logged");
      }
      long runsAfterFinish =
          count(
              c,
              "select count(*) from harness.step_runs r join pgconductor.finished_executions f"
                  + " on f.id = r.execution_id where r.started_at > f.finished_at");
      if (runsAfterFinish > 0) {
        notes.add(runsAfterFinish + " step bodies started after their execution had finished");
      }
      return new ScenarioReport(
          run.name(),
          seconds,
          faults,
          invoked,
          completed,
          failed,
          invoked - completed,
          duplicates,
          effectsNotOne,
          recordedReruns,
          plainReruns,
          faults * run.settings().concurrency(),
          attempts,
          samples,
          recovery[0],
          recovery[1],
          recovery[2],
          run.recoveryBound().toMillis() / 1000.0,
          beyond,
          lateness,
          samples == 0 ? Double.NaN : rescue[1],
          List.copyOf(notes));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot check scenario " + run.name(), e);
    }
  }

  private static double[] recovery(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                "select percentile_cont(0.5) within group (order by seconds),"
                    + " percentile_cont(0.99) within group (order by seconds), max(seconds)"
                    + " from harness.recoveries");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      double[] r = new double[3];
      for (int i = 0; i < 3; i++) {
        r[i] = rs.getObject(i + 1) == null ? Double.NaN : rs.getDouble(i + 1);
      }
      return r;
    }
  }

  /** Up to three reruns, each with every run of that step, so that a defect can be traced. */
  private static String rerunExamples(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                RECORDED
                    + """
                    select r.execution_id, r.step,
                      (select string_agg(format('%s run %s by %s (pid %s) attempt %s at %s',
                                case when x.token = r.token then 'recorded' else 'other' end,
                                x.id, x.worker, x.pid, x.attempt, x.started_at::time), ', '
                              order by x.started_at)
                       from harness.step_runs x
                       where x.execution_id = r.execution_id and x.step = r.step)
                    from recorded r
                    join harness.step_runs run on run.execution_id = r.execution_id
                      and run.step = r.step and run.token = r.token
                    where exists (select 1 from harness.step_runs later
                                  where later.execution_id = r.execution_id
                                    and later.step = r.step
                                    and later.started_at > run.started_at)
                    limit 3
                    """);
        ResultSet rs = ps.executeQuery()) {
      List<String> examples = new java.util.ArrayList<>();
      while (rs.next()) {
        examples.add(
            "execution " + rs.getString(1) + " step " + rs.getString(2) + ": " + rs.getString(3));
      }
      return String.join(" | ", examples);
    }
  }

  /** The first column of every row of a query. */
  private static List<String> queryStrings(Connection c, String sql) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      List<String> rows = new java.util.ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
      return rows;
    }
  }

  /** The last errors of healthy executions that needed more than one attempt, counted. */
  private static List<String> faultErrors(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                """
                select count(*) || ' x ' || coalesce(e, '(none)') from (
                  select regexp_replace(left(last_error, 90),
                           '[0-9a-f]{8}-[0-9a-f-]{27}', '<id>', 'g') e
                  from pgconductor.finished_executions
                  where state = 'completed' and attempts > 1
                    and task_key in ('rel.order', 'rel.receipt', 'rel.quick')) x
                group by e order by count(*) desc limit 4
                """);
        ResultSet rs = ps.executeQuery()) {
      List<String> errors = new java.util.ArrayList<>();
      while (rs.next()) {
        errors.add(rs.getString(1));
      }
      return errors;
    }
  }

  private static double[] rescue(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                "select percentile_cont(0.5) within group (order by rescue_seconds),"
                    + " max(rescue_seconds) from harness.recoveries");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return new double[] {rs.getDouble(1), rs.getDouble(2)};
    }
  }

  private static double[] allowed(Connection c) throws SQLException {
    try (PreparedStatement ps =
            c.prepareStatement(
                "select percentile_cont(0.5) within group (order by allowed_seconds),"
                    + " max(allowed_seconds) from harness.faults where allowed_seconds is not null");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return new double[] {rs.getDouble(1), rs.getDouble(2)};
    }
  }

  private static double queryWith(Connection c, String sql, double a, double b)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setDouble(1, a);
      ps.setDouble(2, b);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getDouble(1);
      }
    }
  }

  private static long count(Connection c, String sql, String... textArray) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      if (textArray.length > 0) {
        ps.setArray(1, c.createArrayOf("text", textArray));
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
