package dev.pgconductor.cli.codegen;

/** Hears how far a generation is, to show a progress bar. */
@FunctionalInterface
public interface Progress {
  /**
   * Called before each file is written, and once more at the end with {@code done == total}.
   *
   * @param done files written so far
   * @param total files to write
   * @param current what is being written now (a Java type name), or {@code null} at the end
   */
  void update(int done, int total, String current);

  /** A progress that shows nothing. */
  static Progress none() {
    return (done, total, current) -> {};
  }
}
