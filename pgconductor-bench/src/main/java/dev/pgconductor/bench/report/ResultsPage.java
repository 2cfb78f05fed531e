package dev.pgconductor.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * Turns a benchmark's JSON ({@code --json}) into the results section of BENCHMARKS.md: the
 * environment, one table of the run's figures (median and min–max of every row but the CPU figures,
 * which stay in the JSON), the targets it could judge, and one SVG chart per family of scenarios
 * (throughput by system; latencies; the fixed-rate steady states' latency over time), drawn with
 * JFreeChart. The section replaces what lies between the markers {@code <!-- results NAME -->} and
 * {@code <!-- /results NAME -->} of the page, where NAME (the optional fourth argument, default
 * {@code full}) also prefixes the charts' files, so that one page can hold the sections of several
 * runs (a full run, a long run).
 *
 * <pre>
 * java -cp pgconductor-bench.jar dev.pgconductor.bench.report.ResultsPage \
 *     target/bench.json BENCHMARKS.md docs/images/bench [NAME]
 * </pre>
 */
public final class ResultsPage {
  private static final int WIDTH = 900;

  /** A family of scenarios drawn in one chart, and the rows it shows. */
  private record Family(String file, String title, String axis, Predicate<JsonNode> rows) {}

  private static final List<Family> FAMILIES =
      List.of(
          new Family(
              "enqueue.svg",
              "Enqueue (jobs/s, median)",
              "jobs/s",
              r -> Set.of(1, 2).contains(r.path("scenario").asInt()) && throughput(r)),
          new Family(
              "drain.svg",
              "Drains: no-op, 2-step, parent+child, batch handler (jobs/s, median)",
              "jobs/s",
              r -> Set.of(3, 5, 6, 13).contains(r.path("scenario").asInt()) && throughput(r)),
          new Family(
              "large.svg",
              "Steady state, many JVMs and large drains (jobs/s, median)",
              "jobs/s",
              r -> Set.of(4, 14, 15).contains(r.path("scenario").asInt()) && throughput(r)),
          new Family(
              "latency.svg",
              "Latencies (ms, median)",
              "ms",
              r ->
                  "ms".equals(r.path("unit").asText())
                      && !r.path("metric").asText().contains("CPU")));

  private ResultsPage() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3 && args.length != 4) {
      System.err.println(
          "usage: ResultsPage <bench.json> <BENCHMARKS.md> <chart directory> [section name]");
      System.exit(2);
    }
    String name = args.length == 4 ? args[3] : "full";
    if (!name.matches("[a-z0-9-]+")) {
      throw new IllegalArgumentException("a section name is lower-case letters, digits and -");
    }
    String beginMarker = "<!-- results " + name + " -->";
    String endMarker = "<!-- /results " + name + " -->";
    System.setProperty("java.awt.headless", "true");
    JsonNode json = new ObjectMapper().readTree(Path.of(args[0]).toFile());
    Path page = Path.of(args[1]);
    Path charts = Path.of(args[2]);
    Files.createDirectories(charts);
    String link = page.toAbsolutePath().getParent().relativize(charts.toAbsolutePath()).toString();
    List<String> drawn = new ArrayList<>();
    for (Family family : FAMILIES) {
      String file = name + "-" + family.file();
      if (drawChart(json, family, charts.resolve(file))) {
        drawn.add("![" + family.title() + "](" + link + "/" + file + ")");
      }
    }
    String overTime = name + "-latency-over-time.svg";
    if (drawLatencyOverTime(json, charts.resolve(overTime))) {
      drawn.add("![Fixed-rate steady states: latency by interval](" + link + "/" + overTime + ")");
    }
    String section = section(json, drawn);
    String text = Files.readString(page);
    int begin = text.indexOf(beginMarker);
    int end = text.indexOf(endMarker);
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          page + " has no section between the markers " + beginMarker + " and " + endMarker);
    }
    Files.writeString(
        page,
        text.substring(0, begin + beginMarker.length()) + "\n" + section + text.substring(end));
    System.out.println("Wrote the results section of " + page + " and " + drawn.size() + " charts");
  }

  private static boolean throughput(JsonNode row) {
    return "throughput".equals(row.path("metric").asText()) && row.has("median");
  }

  /** The markdown between the markers. */
  static String section(JsonNode json, List<String> charts) {
    StringBuilder md = new StringBuilder();
    JsonNode env = json.path("environment");
    md.append("\nMeasured ").append(env.path("date").asText()).append(".\n\n");
    for (var it = env.fields(); it.hasNext(); ) {
      var field = it.next();
      if (!field.getKey().equals("date")) {
        md.append("- ").append(field.getKey()).append(": ").append(field.getValue().asText());
        md.append('\n');
      }
    }
    md.append('\n');
    charts.forEach(c -> md.append(c).append("\n\n"));
    // one table for the run; the CPU figures and every run's value and details stay in the JSON
    md.append("| # | scenario | system | variant | metric | median | min–max |\n");
    md.append("|---|---|---|---|---|---|---|\n");
    int lastScenario = -1;
    for (JsonNode r : json.path("results")) {
      if (r.path("metric").asText().contains("CPU")) {
        continue;
      }
      int scenario = r.path("scenario").asInt();
      boolean first = scenario != lastScenario;
      lastScenario = scenario;
      String unit = r.path("unit").asText();
      md.append("| ").append(first ? String.valueOf(scenario) : "");
      md.append(" | ").append(first ? r.path("title").asText() : "");
      md.append(" | ").append(r.path("system").asText());
      md.append(" | ").append(r.path("variant").asText());
      md.append(" | ").append(r.path("metric").asText());
      if (r.has("median")) {
        md.append(" | ").append(number(r.path("median").asDouble(), unit));
        md.append(" | ").append(number(r.path("min").asDouble(), unit));
        md.append("–").append(number(r.path("max").asDouble(), unit));
      } else {
        md.append(" | ").append(r.path("status").asText()).append(" | ");
      }
      md.append(" |\n");
    }
    md.append('\n');
    md.append("Targets the run could judge (each on every run; see [Targets](#targets)):\n\n");
    md.append("| | target | measured |\n|---|---|---|\n");
    json.path("targets")
        .forEach(
            t -> {
              if (!t.path("status").asText().equals("n/a")) {
                md.append("| ")
                    .append(t.path("status").asText())
                    .append(" | ")
                    .append(t.path("target").asText())
                    .append(" | ")
                    .append(t.path("measured").asText())
                    .append(" |\n");
              }
            });
    return md.append('\n').toString();
  }

  private static String number(double v, String unit) {
    String n =
        Math.abs(v) >= 100
            ? String.format(Locale.ROOT, "%,.0f", v)
            : String.format(Locale.ROOT, "%.2f", v);
    return unit.isEmpty() || unit.equals("jobs/s") ? n : n + " " + unit;
  }

  /**
   * Draws the p50 and p99 latency of each fixed-rate steady state (scenario 4) by interval, from
   * the first run's {@code intervals} detail; false when the run had none.
   */
  private static boolean drawLatencyOverTime(JsonNode json, Path file) throws IOException {
    XYSeriesCollection data = new XYSeriesCollection();
    for (JsonNode r : json.path("results")) {
      JsonNode intervals = r.path("details").path(0).path("intervals");
      if (r.path("scenario").asInt() != 4
          || !r.path("metric").asText().equals("completed/s")
          || !intervals.isArray()) {
        continue;
      }
      XYSeries p50 = new XYSeries(r.path("variant").asText() + " · p50");
      XYSeries p99 = new XYSeries(r.path("variant").asText() + " · p99");
      for (JsonNode i : intervals) {
        p50.add(i.path("to_s").asDouble(), i.path("p50_ms").asDouble());
        p99.add(i.path("to_s").asDouble(), i.path("p99_ms").asDouble());
      }
      data.addSeries(p50);
      data.addSeries(p99);
    }
    if (data.getSeriesCount() == 0) {
      return false;
    }
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            "Fixed-rate steady states: latency by interval (ms, invoke to handler)",
            "seconds since the start",
            "ms",
            data,
            PlotOrientation.VERTICAL,
            true,
            false,
            false);
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    chart.getXYPlot().setBackgroundPaint(Color.WHITE);
    chart.getXYPlot().setRangeGridlinePaint(Color.LIGHT_GRAY);
    chart.getXYPlot().setDomainGridlinePaint(Color.LIGHT_GRAY);
    SVGGraphics2D g = new SVGGraphics2D(WIDTH, 420);
    chart.draw(g, new Rectangle(0, 0, WIDTH, 420));
    Files.writeString(file, g.getSVGDocument());
    return true;
  }

  /**
   * Draws one family's chart: a bar per row (system and variant), grouped by scenario or metric.
   */
  private static boolean drawChart(JsonNode json, Family family, Path file) throws IOException {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (JsonNode r : json.path("results")) {
      if (!r.has("median") || !family.rows().test(r)) {
        continue;
      }
      String series = r.path("system").asText() + " · " + r.path("variant").asText();
      String category =
          family.axis().equals("ms")
              ? r.path("scenario").asInt() + ". " + r.path("metric").asText()
              : r.path("scenario").asInt() + ". " + r.path("title").asText();
      data.addValue(r.path("median").asDouble(), series, category);
    }
    if (data.getRowCount() == 0) {
      return false;
    }
    JFreeChart chart =
        ChartFactory.createBarChart(
            family.title(),
            null,
            family.axis(),
            data,
            PlotOrientation.HORIZONTAL,
            true,
            false,
            false);
    chart.setBackgroundPaint(Color.WHITE);
    chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    CategoryPlot plot = chart.getCategoryPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    BarRenderer renderer = (BarRenderer) plot.getRenderer();
    renderer.setBarPainter(new StandardBarPainter());
    renderer.setShadowVisible(false);
    renderer.setItemMargin(0.02);
    int height = 160 + 14 * data.getRowCount() * data.getColumnCount() + 20 * data.getRowCount();
    SVGGraphics2D g = new SVGGraphics2D(WIDTH, height);
    chart.draw(g, new Rectangle(0, 0, WIDTH, height));
    Files.writeString(file, g.getSVGDocument());
    return true;
  }
}
