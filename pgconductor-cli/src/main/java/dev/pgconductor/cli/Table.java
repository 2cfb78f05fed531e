package dev.pgconductor.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A table for people: a header row and aligned columns separated by two spaces. Numeric columns are
 * aligned right. Values are printed on one line each (line breaks become spaces).
 */
final class Table {
  private final List<String> headers;
  private final boolean[] right;
  private final List<List<String>> rows = new ArrayList<>();

  /** A table with these column headers; a header starting with {@code >} is aligned right. */
  public Table(String... headers) {
    this.headers = new ArrayList<>();
    this.right = new boolean[headers.length];
    for (int i = 0; i < headers.length; i++) {
      right[i] = headers[i].startsWith(">");
      this.headers.add(right[i] ? headers[i].substring(1) : headers[i]);
    }
  }

  /** Adds a row; {@code null} prints as {@code -}. */
  public Table row(Object... values) {
    if (values.length != headers.size()) {
      throw new IllegalArgumentException(
          "a row of " + values.length + " values for " + headers.size() + " columns");
    }
    List<String> row = new ArrayList<>();
    for (Object v : values) {
      row.add(v == null ? "-" : oneLine(v.toString()));
    }
    rows.add(row);
    return this;
  }

  /** Whether no row was added. */
  public boolean isEmpty() {
    return rows.isEmpty();
  }

  /** Prints the header and the rows, each line indented by {@code indent}. */
  public void print(PrintWriter out, String indent) {
    int[] widths = new int[headers.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = width(headers.get(i));
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], width(row.get(i)));
      }
    }
    line(out, indent, headers, widths);
    for (List<String> row : rows) {
      line(out, indent, row, widths);
    }
    out.flush();
  }

  private void line(PrintWriter out, String indent, List<String> cells, int[] widths) {
    StringBuilder line = new StringBuilder(indent);
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      int pad = widths[i] - width(cell);
      if (i > 0) {
        line.append("  ");
      }
      if (right[i]) {
        line.repeat(' ', pad).append(cell);
      } else {
        line.append(cell);
        if (i < cells.size() - 1) {
          line.repeat(' ', pad);
        }
      }
    }
    out.println(line.toString().stripTrailing());
  }

  private static int width(String s) {
    return s.codePointCount(0, s.length());
  }

  private static String oneLine(String s) {
    return s.replaceAll("[\\r\\n\\t]+", " ");
  }
}
