package dev.pgconductor.bench.peer;

import dev.pgconductor.bench.util.Completions;

/**
 * The job JobRunr runs: a static no-op method (JobRunr stores the method and its argument, and
 * calls it by reflection). It counts into the completions of the run in progress.
 */
public final class JobRunrJobs {
  private static volatile Completions completions = new Completions();

  private JobRunrJobs() {}

  static void countInto(Completions c) {
    completions = c;
  }

  /** The no-op job. */
  public static void noop(int n) {
    completions.done();
  }
}
