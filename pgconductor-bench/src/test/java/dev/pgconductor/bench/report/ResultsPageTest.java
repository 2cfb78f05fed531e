package dev.pgconductor.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The results section of BENCHMARKS.md, written from a run's JSON. */
class ResultsPageTest {
  @TempDir Path dir;

  private static final String JSON =
      """
      {"environment": {"date": "2026-12-07T20:00:00Z", "machine": "2 cores"},
       "results": [
         {"scenario": 3, "title": "drain no-op tasks", "system": "pgconductor",
          "variant": "tuned config", "metric": "throughput", "unit": "jobs/s",
          "status": "ok", "median": 52853.4, "min": 49327, "max": 60908},
         {"scenario": 3, "title": "drain no-op tasks", "system": "pgconductor",
          "variant": "tuned config", "metric": "JVM CPU per 1k jobs", "unit": "ms",
          "status": "ok", "median": 7, "min": 6, "max": 9},
         {"scenario": 3, "title": "drain no-op tasks", "system": "graphile-worker",
          "variant": "tuned config", "metric": "throughput", "unit": "jobs/s",
          "status": "ok", "median": 26477, "min": 23462, "max": 26762},
         {"scenario": 4, "title": "steady state", "system": "pgconductor",
          "variant": "50% of max rate, 30 s", "metric": "completed/s", "unit": "jobs/s",
          "status": "ok", "median": 20983, "min": 20700, "max": 20983,
          "details": [{"intervals": [
            {"to_s": 5, "p50_ms": 4.6, "p99_ms": 12.0},
            {"to_s": 10, "p50_ms": 4.9, "p99_ms": 9.5}]}]},
         {"scenario": 7, "title": "pickup latency", "system": "pgconductor",
          "variant": "default config", "metric": "pickup p99", "unit": "ms",
          "status": "ok", "median": 4.71, "min": 4.5, "max": 4.85}],
       "targets": [{"target": "pickup latency p99 < 10 ms", "measured": "worst run 4.85 ms",
                    "status": "PASS"},
                   {"target": "cron lateness", "measured": "scenario 11 not run", "status": "n/a"}]}
      """;

  @Test
  void replacesItsOwnSectionWithTablesTargetsAndCharts() throws Exception {
    Path json = Files.writeString(dir.resolve("bench.json"), JSON);
    Path page =
        Files.writeString(
            dir.resolve("BENCHMARKS.md"),
            "# Before\n<!-- results full -->\nold text\n<!-- /results full -->\n# After\n");

    ResultsPage.main(
        new String[] {json.toString(), page.toString(), dir.resolve("img").toString(), "full"});

    String text = Files.readString(page);
    assertThat(text).startsWith("# Before\n").endsWith("<!-- /results full -->\n# After\n");
    assertThat(text).doesNotContain("old text");
    assertThat(text)
        .contains(
            "| 3 | drain no-op tasks | pgconductor | tuned config | throughput | 52,853"
                + " | 49,327–60,908 |")
        // the scenario is named on its first row only
        .contains("|  |  | graphile-worker | tuned config | throughput | 26,477 |")
        .contains("| pickup p99 | 4.71 ms | 4.50 ms–4.85 ms |")
        .contains("| PASS | pickup latency p99 < 10 ms | worst run 4.85 ms |")
        .doesNotContain("CPU per 1k")
        .doesNotContain("n/a")
        .contains("](img/full-drain.svg)")
        .contains("](img/full-latency-over-time.svg)");
    assertThat(Files.readString(dir.resolve("img/full-drain.svg")))
        .contains("<svg ")
        .contains("graphile-worker · tuned config");
    assertThat(Files.readString(dir.resolve("img/full-latency-over-time.svg")))
        .contains("50% of max rate, 30 s · p99");
    assertThat(dir.resolve("img/full-enqueue.svg")).doesNotExist(); // no enqueue rows
  }

  @Test
  void aPageWithoutTheSectionsMarkersIsRefusedAndLeftAlone() throws Exception {
    Path json = Files.writeString(dir.resolve("bench.json"), JSON);
    Path page = Files.writeString(dir.resolve("BENCHMARKS.md"), "# No markers\n");

    assertThatThrownBy(
            () ->
                ResultsPage.main(
                    new String[] {
                      json.toString(), page.toString(), dir.resolve("img").toString(), "long"
                    }))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("<!-- results long -->");
    assertThat(Files.readString(page)).isEqualTo("# No markers\n");
  }
}
