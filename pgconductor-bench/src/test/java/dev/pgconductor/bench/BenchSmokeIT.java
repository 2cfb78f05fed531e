package dev.pgconductor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgconductor.bench.peer.Peers;
import dev.pgconductor.bench.peer.RawSqlBound;
import dev.pgconductor.bench.report.BenchReport;
import dev.pgconductor.bench.report.JsonReport;
import dev.pgconductor.bench.report.Row;
import dev.pgconductor.bench.report.TablePrinter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark's smoke run, part of {@code ./mvnw verify} so the harness cannot rot: every
 * scenario once with a few hundred jobs, on the Postgres of {@code PGCONDUCTOR_TEST_URL} or an
 * embedded one, with the in-JVM peers and the raw-SQL bound (skipped, with its reason, where
 * pgbench is not installed). Checks that the table and the JSON have a row for every scenario and
 * sane numbers; it does not judge the numbers (that is the full run's job).
 */
class BenchSmokeIT {
  @TempDir Path workDir;

  @Test
  void everyScenarioReportsSaneNumbers() throws Exception {
    String url = System.getenv("PGCONDUCTOR_TEST_URL");
    BenchOptions options =
        BenchOptions.smoke(
            url != null && url.strip().startsWith("jdbc:postgresql:") ? url.strip() : null,
            Set.of(Peers.RAW, Peers.DB_SCHEDULER, Peers.JOBRUNR),
            workDir);

    BenchReport report = new BenchRunner(options, System.err).run();
    assertThat(
            ProcessHandle.current()
                .descendants()
                .filter(p -> p.info().commandLine().orElse("").contains("DrainWorkerMain")))
        .as("scenario 14's worker JVMs, ended with the run")
        .isEmpty();

    ByteArrayOutputStream table = new ByteArrayOutputStream();
    TablePrinter.print(report, new PrintStream(table, true, StandardCharsets.UTF_8));
    String printed = table.toString(StandardCharsets.UTF_8);
    System.out.println(printed);

    List<Row> rows = report.rows();
    List<Integer> scenarios = List.copyOf(BenchOptions.ALL_SCENARIOS.stream().sorted().toList());
    assertThat(rows.stream().map(Row::scenario).distinct().sorted())
        .containsExactlyElementsOf(scenarios);
    for (int scenario : scenarios) {
      List<Row> pgc =
          rows.stream()
              .filter(r -> r.scenario() == scenario && r.system().equals(Trial.PGCONDUCTOR))
              .toList();
      assertThat(pgc).as("pgconductor rows of scenario %d", scenario).isNotEmpty();
      for (Row r : pgc) {
        assertThat(r.status()).as("status of %s", r).isEqualTo("ok");
        assertThat(r.median())
            .as("median of scenario %d %s %s", scenario, r.variant(), r.metric())
            .isFinite();
        if (r.unit().equals("%")) {
          continue; // a difference in percent may be zero or negative
        }
        if (r.metric().contains("CPU")) {
          // CPU time comes in clock ticks (10 ms): a drain of a few hundred jobs may use none
          assertThat(r.median())
              .as("median of scenario %d %s %s", scenario, r.variant(), r.metric())
              .isNotNegative();
        } else {
          assertThat(r.median())
              .as("median of scenario %d %s %s", scenario, r.variant(), r.metric())
              .isPositive();
        }
      }
    }
    for (String peer : List.of(Peers.DB_SCHEDULER, Peers.JOBRUNR)) {
      for (int scenario : List.of(1, 2, 3, 4)) {
        assertThat(report.row(scenario, peer, null, Sample.THROUGHPUT))
            .as("%s in scenario %d", peer, scenario)
            .hasValueSatisfying(r -> assertThat(r.median()).isPositive());
      }
    }
    assertThat(rows.stream().filter(r -> r.scenario() == 5 && r.role() == Trial.Role.PEER))
        .as("peer rows of scenario 5 (no peer has memoized steps)")
        .isEmpty();
    boolean pgbench = new RawSqlBound(workDir).unavailableReason().isEmpty();
    for (int scenario : List.of(1, 2, 3, 4, 5)) {
      Optional<Row> bound =
          rows.stream()
              .filter(r -> r.scenario() == scenario && r.role() == Trial.Role.BOUND)
              .findFirst();
      assertThat(bound).as("raw-SQL bound row of scenario %d", scenario).isPresent();
      if (pgbench) {
        assertThat(bound.get().status()).as("bound of scenario %d", scenario).isEqualTo("ok");
        assertThat(bound.get().median()).as("bound of scenario %d", scenario).isPositive();
      }
    }
    assertThat(printed).contains("targets").contains("drain no-op tasks");

    JsonNode json = new ObjectMapper().readTree(JsonReport.toJson(report));
    assertThat(json.path("results").size()).isEqualTo(rows.size());
    assertThat(json.path("targets").size()).isEqualTo(24);
    for (JsonNode r : json.path("results")) {
      if (r.path("status").asText().equals("ok")
          && !r.path("unit").asText().equals("%")
          && !r.path("metric").asText().contains("CPU")) {
        assertThat(r.path("median").asDouble()).as(r.toString()).isPositive();
      }
    }
  }
}
