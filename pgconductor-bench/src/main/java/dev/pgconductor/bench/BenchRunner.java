package dev.pgconductor.bench;

import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.db.PgServer;
import dev.pgconductor.bench.peer.Peer;
import dev.pgconductor.bench.peer.Peers;
import dev.pgconductor.bench.report.BenchReport;
import dev.pgconductor.bench.report.TrialResult;
import dev.pgconductor.bench.scenario.Scenario;
import dev.pgconductor.bench.scenario.Scenarios;
import dev.pgconductor.bench.util.Versions;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a benchmark: starts or connects to Postgres, warms the JVM up, runs every selected
 * scenario's trials the given number of times, or as many as the scenario asks for that number
 * ({@link Scenario#runs}; each run on a fresh database, after a checkpoint), and collects a {@link
 * BenchReport}. A failing trial is reported with its error; the others go on.
 */
public final class BenchRunner {
  private final BenchOptions options;
  private final PrintStream log;

  public BenchRunner(BenchOptions options, PrintStream log) {
    this.options = options;
    this.log = log;
  }

  public BenchReport run() {
    log.println(
        options.url() == null
            ? "Starting an embedded Postgres"
                + (options.smoke() ? " (smoke: fsync off)" : "")
                + " …"
            : "Using the Postgres at " + dev.pgconductor.bench.db.JdbcUrl.mask(options.url()));
    try (PgServer server =
        options.url() == null
            ? PgServer.embedded(!options.smoke())
            : PgServer.external(options.url())) {
      List<Peer> peers = Peers.create(options.peers(), options.workDir(), log);
      Map<String, String> peerSettings = new LinkedHashMap<>();
      for (Peer peer : peers) {
        var why = peer.unavailableReason();
        peerSettings.put(peer.name(), why.orElseGet(peer::settings));
        why.ifPresent(reason -> log.println("  " + peer.name() + ": " + reason));
      }
      BenchContext context = new BenchContext(options, peers, log);
      Map<String, String> environment = environment(server);
      warmUp(server);
      List<TrialResult> results = new ArrayList<>();
      for (Scenario scenario : Scenarios.all()) {
        if (!options.scenarios().contains(scenario.number())) {
          continue;
        }
        log.printf("Scenario %d: %s%n", scenario.number(), scenario.title());
        try {
          results.addAll(runTrials(server, scenario, scenario.trials(context)));
        } finally {
          scenario.close();
        }
      }
      return new BenchReport(environment, peerSettings, results);
    }
  }

  /**
   * Runs the trials of a scenario round-robin: the first run of every trial, then the second of
   * every trial, and so on. The machine's speed drifts over minutes, by as much as some of the
   * differences measured; taken in turns, every system's runs see the same drift, rather than the
   * first trial getting the first minutes and the last one the last. Every other turn goes in the
   * opposite order, so that what a place in a turn costs (the first drain after the previous turn's
   * last, say) falls on every trial alike.
   */
  private List<TrialResult> runTrials(PgServer server, Scenario scenario, List<Trial> trials) {
    List<List<Measurement>> runs = new ArrayList<>();
    String[] errors = new String[trials.size()];
    for (Trial trial : trials) {
      runs.add(new ArrayList<>());
      if (trial.isSkipped()) {
        log.printf("  %-44s skipped: %s%n", label(trial), trial.skipReason());
      }
    }
    int runCount = scenario.runs(options.runs());
    for (int run = 1; run <= runCount; run++) {
      for (int k = 0; k < trials.size(); k++) {
        int i = run % 2 == 1 ? k : trials.size() - 1 - k;
        Trial trial = trials.get(i);
        if (trial.isSkipped() || errors[i] != null) {
          continue;
        }
        try (BenchDatabase db =
            server.createDatabase("s" + scenario.number() + "_" + trial.system())) {
          db.execute("checkpoint");
          System.gc();
          Measurement m = trial.body().run(db);
          runs.get(i).add(m);
          log.printf("  %-44s run %d/%d: %s%n", label(trial), run, runCount, describe(m));
        } catch (Exception | Error e) {
          errors[i] = e.getClass().getSimpleName() + ": " + e.getMessage();
          log.printf("  %-44s run %d/%d FAILED: %s%n", label(trial), run, runCount, errors[i]);
        }
      }
    }
    List<TrialResult> results = new ArrayList<>();
    for (int i = 0; i < trials.size(); i++) {
      Trial trial = trials.get(i);
      results.add(
          trial.isSkipped()
              ? new TrialResult(
                  scenario.number(),
                  scenario.title(),
                  trial.system(),
                  trial.variant(),
                  trial.role(),
                  List.of(),
                  trial.skipReason(),
                  null)
              : new TrialResult(
                  scenario.number(),
                  scenario.title(),
                  trial.system(),
                  trial.variant(),
                  trial.role(),
                  runs.get(i),
                  null,
                  errors[i]));
    }
    return results;
  }

  private static String label(Trial trial) {
    return trial.system() + " / " + trial.variant();
  }

  private static String describe(Measurement m) {
    StringBuilder s = new StringBuilder();
    for (Sample sample : m.samples()) {
      if (!s.isEmpty()) {
        s.append(", ");
      }
      s.append(sample.metric())
          .append(' ')
          .append(
              "ms".equals(sample.unit())
                  ? String.format(Locale.ROOT, "%.2f", sample.value())
                  : String.format(Locale.ROOT, "%,.0f", sample.value()))
          .append(' ')
          .append(sample.unit());
    }
    return s.toString();
  }

  /** One unmeasured drain and enqueue, so the first measured run does not pay for JIT and pools. */
  private void warmUp(PgServer server) {
    int jobs = Math.min(10_000, options.jobs());
    log.printf("Warming up (%,d jobs, not measured) …%n", jobs);
    try (BenchDatabase db = server.createDatabase("warmup")) {
      Scenarios.warmUp(db, jobs);
    } catch (Exception e) {
      log.println("  warm-up failed, going on: " + e);
    }
  }

  private Map<String, String> environment(PgServer server) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("date", Instant.now().toString());
    env.put(
        "machine",
        Runtime.getRuntime().availableProcessors()
            + " cores, "
            + System.getProperty("os.name")
            + " "
            + System.getProperty("os.arch"));
    env.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    env.put("pgconductor", Versions.of("pgconductor"));
    Map<String, String> pg = server.describe();
    env.put(
        "postgres",
        pg.get("version")
            + " ("
            + pg.get("server")
            + "), fsync "
            + pg.get("fsync")
            + ", synchronous_commit "
            + pg.get("synchronous_commit")
            + ", shared_buffers "
            + pg.get("shared_buffers")
            + ", max_connections "
            + pg.get("max_connections"));
    env.put(
        "options",
        String.format(
            Locale.ROOT,
            "jobs %,d, runs %d, scenarios %s, peers %s, steady %d s, fixed-rate %d s, latency samples"
                + " %,d, backlog %,d%s",
            options.jobs(),
            options.runs(),
            options.scenarios(),
            options.peers(),
            options.steadyDuration().toSeconds(),
            options.fixedDuration().toSeconds(),
            options.latencySamples(),
            options.backlog(),
            options.smoke() ? ", smoke" : ""));
    return env;
  }
}
