package dev.pgconductor.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The checker's reports as a table: plain text for a terminal, or Markdown for RELIABILITY.md. */
public final class ReportTable {
  private static final List<String> HEADER =
      List.of(
          "scenario",
          "s",
          "faults",
          "invoked",
          "completed",
          "lost",
          "dup. completions",
          "effects ≠ 1",
          "recorded steps rerun",
          "plain step reruns (bound)",
          "attempts used by faults",
          "recovery p50 / p99 / max s (simple bound)",
          "beyond docs' bound (worst by s)");

  private ReportTable() {}

  /** A Markdown table, then each scenario's notes. */
  public static String markdown(List<ScenarioReport> reports) {
    StringBuilder out = new StringBuilder();
    out.append("| ").append(String.join(" | ", HEADER)).append(" |\n");
    out.append("|").append("---|".repeat(HEADER.size())).append('\n');
    for (ScenarioReport r : reports) {
      out.append("| ").append(String.join(" | ", row(r))).append(" |\n");
    }
    out.append('\n');
    for (ScenarioReport r : reports) {
      if (!r.notes().isEmpty()) {
        out.append("- **").append(r.scenario()).append("**: ");
        out.append(String.join("; ", r.notes())).append(".\n");
      }
    }
    return out.toString();
  }

  /** An aligned plain-text table, then each scenario's notes. */
  public static String text(List<ScenarioReport> reports) {
    List<List<String>> rows = new ArrayList<>();
    rows.add(HEADER);
    for (ScenarioReport r : reports) {
      rows.add(row(r));
    }
    int[] widths = new int[HEADER.size()];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        out.append(String.format("%-" + widths[i] + "s  ", row.get(i)));
      }
      out.append('\n');
    }
    for (ScenarioReport r : reports) {
      for (String note : r.notes()) {
        out.append(r.scenario()).append(": ").append(note).append('\n');
      }
    }
    return out.toString();
  }

  private static List<String> row(ScenarioReport r) {
    return List.of(
        r.scenario(),
        String.format(Locale.ROOT, "%.0f", r.seconds()),
        Long.toString(r.faults()),
        Long.toString(r.invoked()),
        Long.toString(r.completed()),
        Long.toString(r.lost()),
        Long.toString(r.duplicateCompletions()),
        Long.toString(r.effectsNotOne()),
        Long.toString(r.recordedStepsRerun()),
        r.plainStepReruns() + " (" + r.plainRerunBound() + ")",
        Long.toString(r.attemptsUsedByFaults()),
        r.recoverySamples() == 0
            ? "–"
            : String.format(
                Locale.ROOT,
                "%.2f / %.2f / %.2f (%.1f)",
                r.recoveryP50(),
                r.recoveryP99(),
                r.recoveryMax(),
                r.recoveryBound()),
        r.recoverySamples() == 0
            ? "–"
            : r.recoveryBeyondBound() == 0
                ? "0"
                : String.format(
                    Locale.ROOT, "%d (%.2f)", r.recoveryBeyondBound(), r.worstLateness()));
  }
}
