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
import java.util.List;
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
 */
public final class RawSqlBound implements Peer {
  static final String NAME = "raw SQL (pgbench)";

  /** Concurrent clients of the claim and end-to-end bounds (2 cores: a few keep Postgres busy). */
  static final int CLIENTS = 4;

  /** Jobs per claim in the claim and end-to-end bounds. */
  static final int CLAIM_BATCH = 100;

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
        + " claim+complete, 2-step and end to end: "
        + CLIENTS
        + " clients, "
        + CLAIM_BATCH
        + " jobs per claim";
  }

  @Override
  public Measurement run(Workload workload, BenchDatabase db) throws Exception {
    db.execute(resource("schema.sql"));
    return switch (workload) {
      case Workload.EnqueueSingle w -> {
        int perClient = (w.jobs() + w.callers() - 1) / w.callers();
        Result r = pgbench(db, "insert_one.sql", 0, "-c", w.callers(), "-j", 2, "-t", perClient);
        yield Measurement.of(Sample.throughput(r.tps));
      }
      case Workload.EnqueueBatch w -> {
        int calls = (w.jobs() + w.batchSize() - 1) / w.batchSize();
        Result r = pgbench(db, "insert_batch.sql", w.batchSize(), "-c", 1, "-t", calls);
        yield Measurement.of(Sample.throughput(r.tps * w.batchSize()));
      }
      case Workload.Drain w -> drain(db, w.jobs(), "claim_complete.sql");
      case Workload.TwoStep w -> drain(db, w.jobs(), "two_step.sql");
      case Workload.SteadyState w -> {
        Result r =
            pgbench(
                db,
                "end_to_end.sql",
                w.batchSize(),
                "-c",
                CLIENTS,
                "-j",
                2,
                "-T",
                Math.max(1, w.duration().toSeconds()));
        long inserted = r.transactions * w.batchSize();
        long processed = inserted - db.queryLong("select count(*) from raw_jobs");
        yield Measurement.of(Sample.throughput(r.tps * processed / r.transactions))
            .withDetail("processed", processed);
      }
    };
  }

  /** Drains {@code jobs} queued jobs with a claim-and-complete script (one round per claim). */
  private Measurement drain(BenchDatabase db, int jobs, String script) throws Exception {
    db.execute(
        "insert into raw_jobs (payload) select jsonb_build_object('n', g)"
            + " from generate_series(1, "
            + jobs
            + ") g",
        "analyze raw_jobs");
    int perClient = (jobs + CLIENTS * CLAIM_BATCH - 1) / (CLIENTS * CLAIM_BATCH);
    Result r = pgbench(db, script, CLAIM_BATCH, "-c", CLIENTS, "-j", 2, "-t", perClient);
    long processed = jobs - db.queryLong("select count(*) from raw_jobs");
    return Measurement.of(Sample.throughput(r.tps * processed / r.transactions))
        .withDetail("processed", processed);
  }

  private record Result(double tps, long transactions) {}

  private Result pgbench(BenchDatabase db, String script, int batch, Object... options)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("pgbench", "-n", "-M", "prepared"));
    for (Object o : options) {
      cmd.add(String.valueOf(o));
    }
    if (batch > 0) {
      cmd.add("-D");
      cmd.add("batch=" + batch);
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
          List.of(
              "insert_one.sql",
              "insert_batch.sql",
              "claim_complete.sql",
              "two_step.sql",
              "end_to_end.sql")) {
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
