package dev.pgconductor.bench.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgconductor.Conductor;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.WorkerConfig;
import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;

/**
 * Scenario 12: what a row-change trigger costs the application's own statements. The same
 * statements run on a table without a subscriber and on one a task subscribes to (insert or update,
 * two columns selected): a bulk insert of ten rows per job (100,000 in a full run) in one
 * statement, a bulk update of all those rows, and single-row inserts in their own transactions (a
 * tenth of the jobs). Throughput is rows changed per second of the user's statements; with a
 * subscriber each row also creates an execution, checked after the clock stops. No worker runs
 * during the measurement.
 */
public final class RowTriggerScenario implements Scenario {
  static final TaskDefinition<JsonNode, Void> ON_CHANGE =
      TaskDefinition.of("bench-row-change", JsonNode.class);

  public static final String BULK_INSERT = "bulk insert";
  public static final String SINGLE_INSERTS = "single-row inserts";
  public static final String BULK_UPDATE = "bulk update";
  public static final String NONE = ", no subscriber";
  public static final String ONE = ", 1 subscriber";

  @Override
  public int number() {
    return 12;
  }

  @Override
  public String title() {
    return "row-change triggers";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    int rows = context.options().jobs() * 10;
    int singles = Math.max(10, context.options().jobs() / 10);
    return List.of(
        Trial.subject(BULK_INSERT + NONE, db -> bulkInsert(db, rows, false)),
        Trial.subject(BULK_INSERT + ONE, db -> bulkInsert(db, rows, true)),
        Trial.subject(BULK_UPDATE + NONE, db -> bulkUpdate(db, rows, false)),
        Trial.subject(BULK_UPDATE + ONE, db -> bulkUpdate(db, rows, true)),
        Trial.subject(SINGLE_INSERTS + NONE, db -> singleInserts(db, singles, false)),
        Trial.subject(SINGLE_INSERTS + ONE, db -> singleInserts(db, singles, true)));
  }

  static Measurement bulkInsert(BenchDatabase db, int rows, boolean subscribed) throws Exception {
    prepare(db, subscribed ? Trigger.onInsert("public", "bench_contacts") : null);
    long t0 = System.nanoTime();
    db.execute(
        "insert into public.bench_contacts (id, email, score)"
            + " select g, 'c' || g || '@example.com', g * 1.5 from generate_series(1, "
            + rows
            + ") g");
    long elapsed = System.nanoTime() - t0;
    return expectExecutions(
        db, subscribed ? rows : 0, Measurement.of(Sample.throughput(rows, elapsed)));
  }

  static Measurement bulkUpdate(BenchDatabase db, int rows, boolean subscribed) throws Exception {
    prepare(db, subscribed ? Trigger.onUpdate("public", "bench_contacts") : null);
    db.execute(
        "insert into public.bench_contacts (id, email, score)"
            + " select g, 'c' || g || '@example.com', g * 1.5 from generate_series(1, "
            + rows
            + ") g",
        "vacuum analyze public.bench_contacts");
    long t0 = System.nanoTime();
    db.execute("update public.bench_contacts set score = score + 1");
    long elapsed = System.nanoTime() - t0;
    return expectExecutions(
        db, subscribed ? rows : 0, Measurement.of(Sample.throughput(rows, elapsed)));
  }

  static Measurement singleInserts(BenchDatabase db, int rows, boolean subscribed)
      throws Exception {
    prepare(db, subscribed ? Trigger.onInsert("public", "bench_contacts") : null);
    try (Connection c = db.connect();
        PreparedStatement ps =
            c.prepareStatement(
                "insert into public.bench_contacts (id, email, score) values (?, ?, ?)")) {
      long t0 = System.nanoTime();
      for (int i = 1; i <= rows; i++) {
        ps.setLong(1, i);
        ps.setString(2, "c" + i + "@example.com");
        ps.setBigDecimal(3, java.math.BigDecimal.valueOf(i * 1.5));
        ps.executeUpdate();
      }
      long elapsed = System.nanoTime() - t0;
      return expectExecutions(
          db, subscribed ? rows : 0, Measurement.of(Sample.throughput(rows, elapsed)));
    }
  }

  /**
   * The table, and with a trigger the task subscribed to it: an orchestrator starts (installing the
   * Postgres trigger) and stops before the clock starts.
   */
  private static void prepare(BenchDatabase db, Trigger.RowChange trigger) throws Exception {
    db.execute(
        "create table public.bench_contacts (id bigint primary key, email text not null,"
            + " score numeric, created_at timestamptz not null default now())");
    if (trigger == null) {
      return;
    }
    try (Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(db.url())
            .tasks(TaskSchemas.of(ON_CHANGE))
            .poolSize(PgcHarness.POOL_SIZE)
            .build()) {
      conductor.ensureInstalled();
      var task =
          conductor.createTask(
              TaskOptions.of(ON_CHANGE), trigger.columns("id", "email"), (e, c) -> null);
      try (Orchestrator installing =
          PgcHarness.orchestrator(conductor, List.of(task), WorkerConfig.DEFAULT)) {
        installing.start();
      }
    }
  }

  /**
   * Checks that every row made an execution: statements of more than 1,000 rows stage their
   * changes, which claims of the queue turn into executions; here they are expanded on the spot,
   * and the rate of that expansion is reported beside the statement's.
   */
  private static Measurement expectExecutions(BenchDatabase db, long expected, Measurement m)
      throws Exception {
    if (expected == 0) {
      return m;
    }
    long t0 = System.nanoTime();
    long expanded = 0;
    for (long made;
        (made = db.queryLong("select pgconductor.expand_row_changes('default')")) > 0; ) {
      expanded += made;
    }
    long elapsed = System.nanoTime() - t0;
    long created =
        db.queryLong(
            "select count(*) from pgconductor.executions where task_key = 'bench-row-change'");
    if (created != expected) {
      throw new IllegalStateException("expected " + expected + " executions, found " + created);
    }
    return expanded == 0 ? m : m.withDetail("staged_expanded_per_s", expanded * 1e9 / elapsed);
  }
}
