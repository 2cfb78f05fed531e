package dev.pgconductor.cli;

import dev.pgconductor.cli.codegen.Progress;
import java.io.PrintWriter;

/**
 * A one-line progress bar on a terminal ({@code Generating [#####.....] 12/40 Contact}), redrawn in
 * place with a carriage return and erased when done. Only used when standard error is a terminal.
 */
final class ProgressBar implements Progress {
  private static final int WIDTH = 30;
  private final PrintWriter out;
  private final String label;
  private int lastLength;

  ProgressBar(PrintWriter out, String label) {
    this.out = out;
    this.label = label;
  }

  @Override
  public void update(int done, int total, String current) {
    if (current == null) {
      out.print("\r" + " ".repeat(lastLength) + "\r");
      out.flush();
      return;
    }
    int filled = total == 0 ? WIDTH : done * WIDTH / total;
    String line =
        "%s [%s%s] %d/%d %s"
            .formatted(label, "#".repeat(filled), ".".repeat(WIDTH - filled), done, total, current);
    if (line.length() > 100) {
      line = line.substring(0, 99) + "…";
    }
    out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
    out.flush();
    lastLength = line.length();
  }
}
