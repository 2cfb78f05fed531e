package dev.pgconductor.bench.peer;

import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The raw-SQL bound of scenarios 1–5: pgbench scripts (shipped in this jar) doing the least a job
 * queue must do on a lean table: insert, claim a batch with {@code FOR UPDATE SKIP LOCKED},
 * complete by delete; for scenario 5, store two step rows per job in between, a durable commit per
 * step of the batch. No engine, no JSON, no result storage: what Postgres on this machine allows,
 * which pgconductor's targets are a fraction of. Skipped when pgbench is not installed.
 *
 * <p>The enqueue bounds (scenarios 1 and 2) run as their scenario asks: one client per caller, or
 * one client sending the scenario's batches. The bounds that claim (scenarios 3, 4 and 5) have
 * knobs of their own, and a bound measured at one setting is only a floor of what the SQL allows.
 * So each run sweeps them: every combination of {@link #SWEEP_CLIENTS} clients and {@link
 * #SWEEP_CLAIMS} jobs per claim, each from a fresh, empty table (dropped and created again, after a
 * checkpoint), and the best combination is the run's figure. The run's details keep every
 * combination's figure ({@code clients_4_claim_500}, …) and the winner ({@link #BEST_CLIENTS},
 * {@link #BEST_CLAIM_BATCH}), which the table prints beside the row.
 *
 * <ul>
 *   <li>Drains (3, 5): each combination drains the scenario's jobs, inserted into the fresh table
 *       before it starts; the best drain is the figure. Being the best of nine, noise lifts it a
 *       little, which errs on the side of a bound.
 *   <li>End to end (4): the rate falls as a run goes on (every job leaves dead rows and index
 *       entries behind, and autovacuum wakes once a minute): a combination that made 93,000 jobs/s
 *       over 3 s made 43,000 over 30 s. A short combination is therefore not comparable with
 *       pgconductor's run of the scenario's full duration. Each combination is screened for a tenth
 *       of that duration (at least 1 s), and the winner then runs again for the full duration on a
 *       fresh table: that run is the figure. A client inserts the jobs of its claim (in the
 *       scenario's batches, as pgconductor's producer sends them) before it claims, so up to
 *       clients × claim jobs wait at once (8,000 at 8 × 1,000, beyond the 5,000 the scenario lets
 *       pgconductor's producer queue).
 * </ul>
 *
 * <p>What the sweep costs (measured on 2 busy cores): nine drains of the full run's 10,000 jobs,
 * each with its fresh table and jobs, take 5–8 s per run where one took under a second, about half
 * a minute over three runs of scenarios 3 and 5. Screening for 3 s of the full run's 30 s adds 9 ×
 * 3 s plus setup, about 30 s per run and 1.5 minutes over three runs. The smoke run (300 jobs, 2 s)
 * drains its 300 jobs nine times and screens for 1 s each, about 12 s in all.
 */
public final class RawSqlBound implements Peer {
  static final String NAME = "raw SQL (pgbench)";

  /** Concurrent clients the claiming bounds try (2 cores: 2 to 8 keep Postgres busy). */
  public static final List<Integer> SWEEP_CLIENTS = List.of(2, 4, 8);

  /** Jobs per claim the claiming bounds try. */
  public static final List<Integer> SWEEP_CLAIMS = List.of(100, 500, 1_000);

  /** Detail of a claiming bound's run: the clients of its best combination. */
  public static final String BEST_CLIENTS = "best_clients";

  /** Detail of a claiming bound's run: the jobs per claim of its best combination. */
  public static final String BEST_CLAIM_BATCH = "best_claim_batch";

  /** Detail of the end-to-end bound's run: how long each combination was screened, in seconds. */
  public static final String SCREENING_SECONDS = "screening_seconds";

  private static final String RESOURCES = "/dev/pgconductor/bench/pgbench/";
  private static final Pattern TPS =
      Pattern.compile("tps = ([0-9.]+) \\(without initial connection");
  private static final Pattern XACTS =
      Pattern.compile("number of transactions actually processed: ([0-9]+)");

  private final Path dir;
  private Optional<String> unavailable;
  private String version = "?";

  public RawSqlBound(Path workDir) {
    this.dir = workDir.resolve("pgbench");
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Trial.Role role() {
    return Trial.Role.BOUND;
  }

  @Override
  public synchronized Optional<String> unavailableReason() {
    if (unavailable == null) {
      unavailable = prepare();
    }
    return unavailable;
  }

  @Override
  public boolean supports(Workload workload) {
    return true;
  }

  @Override
  public String settings() {
    return version
        + ": -M prepared; enqueue one: one client per caller; batch: 1 client;"
        + " claim+complete, 2-step and end to end: the best of "
        + alternatives(SWEEP_CLIENTS)
        + " clients x "
        + alternatives(SWEEP_CLAIMS)
        + " jobs per claim, each from a fresh table (drains: each drains the scenario's jobs;"
        + " end to end: inserts of the scenario's batch size, each combination screened for a"
        + " tenth of the duration, at least 1 s, the best then run for the whole duration)";
  }

  /** "2, 4 or 8". */
  private static String alternatives(List<Integer> values) {
    List<String> shown = values.stream().map(v -> String.format(Locale.ROOT, "%,d", v)).toList();
    return String.join(", ", shown.subList(0, shown.size() - 1)) + " or " + shown.getLast();
  }

  /**
   * How long the end-to-end sweep runs each combination, for a scenario of {@code seconds}: a
   * tenth, at least 1 s (3 s of the full run's 30 s). Long enough to rank the combinations, whose
   * figures differ by up to twice; not comparable with a full run, which the winner then makes.
   */
  static int screeningSeconds(long seconds) {
    return (int) Math.max(1, seconds / 10);
  }

  @Override
  public Measurement run(Workload workload, BenchDatabase db) throws Exception {
    db.execute(resource("schema.sql"));
    return switch (workload) {
      case Workload.EnqueueSingle w -> {
        int perClient = (w.jobs() + w.callers() - 1) / w.callers();
        Result r = pgbench(db, "insert_one.sql", "-c", w.callers(), "-j", 2, "-t", perClient);
        yield Measurement.of(Sample.throughput(r.tps));
      }
      case Workload.EnqueueBatch w -> {
        int calls = (w.jobs() + w.batchSize() - 1) / w.batchSize();
        Result r =
            pgbench(db, "insert_batch.sql", "-D", "batch=" + w.batchSize(), "-c", 1, "-t", calls);
        yield Measurement.of(Sample.throughput(r.tps * w.batchSize()));
      }
      case Workload.Drain w -> drainSweep(db, w.jobs(), "claim_complete.sql");
      case Workload.TwoStep w -> drainSweep(db, w.jobs(), "two_step.sql");
      case Workload.SteadyState w -> endToEndSweep(db, w);
    };
  }

  /** One setting of the claiming bounds' knobs. */
  private record Knobs(int clients, int claim) {
    /** The name of this combination's figure among a run's details. */
    String detail() {
      return "clients_" + clients + "_claim_" + claim;
    }
  }

  /** What one pgbench run of a claiming bound achieved: jobs done, and done per second. */
  private record Rate(double jobsPerSecond, long processed) {}

  private static List<Knobs> sweep() {
    List<Knobs> all = new ArrayList<>();
    for (int clients : SWEEP_CLIENTS) {
      for (int claim : SWEEP_CLAIMS) {
        all.add(new Knobs(clients, claim));
      }
    }
    return all;
  }

  /** Drains the same {@code jobs} with every combination of knobs; the best is the figure. */
  private Measurement drainSweep(BenchDatabase db, int jobs, String script) throws Exception {
    Map<String, Double> figures = new LinkedHashMap<>();
    Knobs best = null;
    Rate bestRate = null;
    for (Knobs knobs : sweep()) {
      Rate rate = drain(db, jobs, script, knobs);
      figures.put(knobs.detail(), rate.jobsPerSecond());
      if (bestRate == null || rate.jobsPerSecond() > bestRate.jobsPerSecond()) {
        best = knobs;
        bestRate = rate;
      }
    }
    return result(bestRate, best, figures);
  }

  /**
   * Screens every combination of knobs end to end for a short while, then runs the best for the
   * workload's whole duration; that run is the figure.
   */
  private Measurement endToEndSweep(BenchDatabase db, Workload.SteadyState w) throws Exception {
    long seconds = Math.max(1, w.duration().toSeconds());
    int screening = screeningSeconds(seconds);
    Map<String, Double> figures = new LinkedHashMap<>();
    Knobs best = null;
    double bestScreened = -1;
    for (Knobs knobs : sweep()) {
      Rate rate = endToEnd(db, w.batchSize(), knobs, screening);
      figures.put(knobs.detail(), rate.jobsPerSecond());
      if (rate.jobsPerSecond() > bestScreened) {
        best = knobs;
        bestScreened = rate.jobsPerSecond();
      }
    }
    figures.put(SCREENING_SECONDS, (double) screening);
    return result(endToEnd(db, w.batchSize(), best, seconds), best, figures);
  }

  private static Measurement result(Rate rate, Knobs best, Map<String, Double> figures) {
    Measurement m =
        Measurement.of(Sample.throughput(rate.jobsPerSecond()))
            .withDetail("processed", rate.processed())
            .withDetail(BEST_CLIENTS, best.clients())
            .withDetail(BEST_CLAIM_BATCH, best.claim());
    for (Map.Entry<String, Double> e : figures.entrySet()) {
      m = m.withDetail(e.getKey(), e.getValue());
    }
    return m;
  }

  /** Drops and creates the bound's tables, then checkpoints, so every combination starts alike. */
  private static void freshTables(BenchDatabase db) throws Exception {
    db.execute("drop table if exists raw_jobs, raw_steps", resource("schema.sql"), "checkpoint");
  }

  /** Drains {@code jobs} queued jobs with a claim-and-complete script (one round per claim). */
  private Rate drain(BenchDatabase db, int jobs, String script, Knobs knobs) throws Exception {
    freshTables(db);
    db.execute(
        "insert into raw_jobs (payload) select jsonb_build_object('n', g)"
            + " from generate_series(1, "
            + jobs
            + ") g",
        "analyze raw_jobs");
    int perClient =
        (jobs + knobs.clients() * knobs.claim() - 1) / (knobs.clients() * knobs.claim());
    Result r =
        pgbench(
            db,
            script,
            "-D",
            "claim=" + knobs.claim(),
            "-c",
            knobs.clients(),
            "-j",
            2,
            "-t",
            perClient);
    long processed = jobs - db.queryLong("select count(*) from raw_jobs");
    return new Rate(r.tps * processed / r.transactions, processed);
  }

  /**
   * Runs the end-to-end script for {@code seconds} on a fresh table: each client's round inserts
   * {@code claim} jobs {@code batch} per transaction, then claims up to {@code claim} and deletes
   * them. Counts as done what was inserted and is no longer there.
   */
  private Rate endToEnd(BenchDatabase db, int batch, Knobs knobs, long seconds) throws Exception {
    freshTables(db);
    int inserts = Math.max(1, (knobs.claim() + batch - 1) / batch);
    Result r =
        pgbench(
            db,
            endToEndScript(inserts),
            "-D",
            "batch=" + batch,
            "-D",
            "claim=" + knobs.claim(),
            "-c",
            knobs.clients(),
            "-j",
            2,
            "-T",
            seconds);
    // the identity counts every job inserted, also by a round the end of the run cut short
    long processed =
        db.queryLong(
            "select coalesce(pg_sequence_last_value('raw_jobs_id_seq'), 0)"
                + " - (select count(*) from raw_jobs)");
    return new Rate(r.tps * processed / r.transactions, processed);
  }

  /**
   * Writes the end-to-end script with its insert {@code inserts} times (pgbench has no loops);
   * returns its file name.
   */
  private String endToEndScript(int inserts) throws IOException {
    StringBuilder script = new StringBuilder();
    for (String line : resource("end_to_end.sql").strip().split("\n")) {
      script.append((line + "\n").repeat(line.startsWith("insert into raw_jobs") ? inserts : 1));
    }
    String name = "end_to_end_" + inserts + ".sql";
    Files.writeString(dir.resolve(name), script);
    return name;
  }

  private record Result(double tps, long transactions) {}

  private Result pgbench(BenchDatabase db, String script, Object... options)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("pgbench", "-n", "-M", "prepared"));
    for (Object o : options) {
      cmd.add(String.valueOf(o));
    }
    cmd.add("-f");
    cmd.add(dir.resolve(script).toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> parts = db.parts();
    pb.environment().put("PGHOST", parts.get("host"));
    pb.environment().put("PGPORT", parts.get("port"));
    pb.environment().put("PGDATABASE", parts.get("dbname"));
    if (parts.containsKey("user")) {
      pb.environment().put("PGUSER", parts.get("user"));
    }
    if (parts.containsKey("password")) {
      pb.environment().put("PGPASSWORD", parts.get("password"));
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("pgbench " + script + " failed: " + tail(out));
    }
    Matcher tps = TPS.matcher(out);
    Matcher xacts = XACTS.matcher(out);
    if (!tps.find() || !xacts.find()) {
      throw new IllegalStateException("cannot read pgbench's output: " + tail(out));
    }
    return new Result(Double.parseDouble(tps.group(1)), Long.parseLong(xacts.group(1)));
  }

  private Optional<String> prepare() {
    try {
      Process p = new ProcessBuilder("pgbench", "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return Optional.of("pgbench does not run here (" + out + ")");
      }
      version = out;
      Files.createDirectories(dir);
      for (String f :
          List.of("insert_one.sql", "insert_batch.sql", "claim_complete.sql", "two_step.sql")) {
        Files.writeString(dir.resolve(f), resource(f));
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("pgbench not found on PATH (install postgresql-client)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while looking for pgbench");
    }
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = RawSqlBound.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IOException("missing resource " + RESOURCES + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String tail(String s) {
    s = s.strip();
    return s.length() > 800 ? "…" + s.substring(s.length() - 800) : s;
  }
}
