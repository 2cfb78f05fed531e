package dev.pgconductor.bench.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a report as JSON: environment, peer settings, one entry per row (median, min, max, every
 * run's value, and each run's details), and the targets.
 */
public final class JsonReport {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private JsonReport() {}

  /** The report as a JSON-ready tree of maps and lists. */
  public static Map<String, Object> toTree(BenchReport report) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("environment", report.environment());
    root.put("peers", report.peerSettings());
    List<Map<String, Object>> results = new ArrayList<>();
    for (Row row : report.rows()) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("scenario", row.scenario());
      r.put("title", row.title());
      r.put("system", row.system());
      r.put("variant", row.variant());
      r.put("role", row.role().name().toLowerCase());
      r.put("status", row.status());
      r.put("metric", row.metric());
      r.put("unit", row.unit());
      if (row.hasValues()) {
        r.put("median", row.median());
        r.put("min", row.min());
        r.put("max", row.max());
        r.put("runs", row.values());
      }
      if (row.note() != null) {
        r.put("note", row.note());
      }
      report
          .trial(row)
          .map(BenchReport::details)
          .filter(d -> d.stream().anyMatch(m -> !m.isEmpty()))
          .ifPresent(d -> r.put("details", d));
      results.add(r);
    }
    root.put("results", results);
    root.put("targets", report.targets());
    return root;
  }

  public static String toJson(BenchReport report) throws IOException {
    return JSON.writeValueAsString(toTree(report));
  }

  public static void write(BenchReport report, Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, toJson(report));
  }
}
