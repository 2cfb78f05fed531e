package dev.pgconductor.dashboard.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.dashboard.query.ExecutionDetail;
import dev.pgconductor.dashboard.query.StepRecord;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Formatting helpers of the templates. Not public API. */
public final class View {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private View() {}

  /** An instant in UTC, to the second; an empty string for null. */
  public static String time(Instant instant) {
    if (instant == null) {
      return "";
    }
    if (instant.equals(Instant.MAX)) {
      return "never";
    }
    return TIME.format(instant);
  }

  /** An instant as ISO-8601, for {@code datetime} attributes. */
  public static String iso(Instant instant) {
    return instant == null || instant.equals(Instant.MAX) ? "" : instant.toString();
  }

  /** A duration in the largest sensible unit: {@code 850 ms}, {@code 12.3 s}, {@code 4 min}. */
  public static String duration(Duration d) {
    if (d == null) {
      return "";
    }
    long ms = d.toMillis();
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    if (ms < 3_600_000) {
      return (ms / 60_000) + " min " + ((ms / 1000) % 60) + " s";
    }
    if (ms < 86_400_000) {
      return (ms / 3_600_000) + " h " + ((ms / 60_000) % 60) + " min";
    }
    return (ms / 86_400_000) + " d " + ((ms / 3_600_000) % 24) + " h";
  }

  /** The time between two instants, or an empty string when one is missing. */
  public static String between(Instant from, Instant to) {
    if (from == null || to == null || to.equals(Instant.MAX)) {
      return "";
    }
    return duration(Duration.between(from, to));
  }

  /** A state as shown: lower case. */
  public static String state(ExecutionState state) {
    return state == null ? "" : state.name().toLowerCase(Locale.ROOT);
  }

  /** JSON, indented; {@code null} for none. */
  public static String json(JsonNode node) {
    if (node == null) {
      return "null";
    }
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      return node.toString();
    }
  }

  /** A value for a query parameter. */
  public static String param(String value) {
    return value == null ? "" : URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** The first line of a text, cut to 160 characters, for tables. */
  public static String firstLine(String text) {
    if (text == null) {
      return "";
    }
    int nl = text.indexOf('\n');
    String line = nl < 0 ? text : text.substring(0, nl);
    return line.length() > 160 ? line.substring(0, 157) + "…" : line;
  }

  /** A share as a percentage with one decimal, or a dash when there is nothing to share. */
  public static String percent(long part, long whole) {
    if (whole == 0) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.1f %%", 100.0 * part / whole);
  }

  /**
   * The last 8 characters of an id, for tables (the full id is in the link and its title): ids are
   * time-ordered, so their first characters are shared by executions created together.
   */
  public static String shortId(String id) {
    return id == null ? "" : id.length() <= 8 ? id : "…" + id.substring(id.length() - 8);
  }

  /**
   * A step on an execution's timeline.
   *
   * @param step the recorded step
   * @param took the time from the previous step (or the execution's start) to this one
   * @param offset where it starts on the bar, in percent of the whole
   * @param width how much of the bar it takes, in percent
   */
  public record TimelineEntry(StepRecord step, String took, double offset, double width) {}

  /** The steps of an execution with the time each took, for the timeline. */
  public static List<TimelineEntry> timeline(ExecutionDetail detail) {
    List<StepRecord> steps = detail.steps();
    List<TimelineEntry> entries = new ArrayList<>();
    if (steps.isEmpty()) {
      return entries;
    }
    Instant start = detail.execution().createdAt();
    Instant end = steps.getLast().createdAt();
    double total = Math.max(1, Duration.between(start, end).toMillis());
    Instant previous = start;
    for (StepRecord step : steps) {
      Instant at = step.createdAt();
      double offset = Duration.between(start, previous).toMillis() / total * 100;
      double width = Math.max(0.5, Duration.between(previous, at).toMillis() / total * 100);
      entries.add(
          new TimelineEntry(
              step, between(previous, at), round(offset), round(Math.min(width, 100 - offset))));
      previous = at;
    }
    return entries;
  }

  private static double round(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
