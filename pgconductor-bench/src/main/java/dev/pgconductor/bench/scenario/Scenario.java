package dev.pgconductor.bench.scenario;

import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Trial;
import java.util.List;

/**
 * One benchmark scenario: a number, a title, and the trials that measure it (pgconductor in one or
 * more variants, peers, raw-SQL bounds). Each trial run starts from a fresh database, so from a
 * clean queue.
 */
public interface Scenario {
  /** 1–14, as numbered in BENCHMARKS.md. */
  int number();

  /** A short title for the table. */
  String title();

  /** The trials to run, in the order they are reported. */
  List<Trial> trials(BenchContext context);

  /**
   * Releases what the trials kept from one run to the next (scenario 14's worker JVMs); called once
   * all of the scenario's runs are done, or failed.
   */
  default void close() {}

  /** How many runs of each trial to make when {@code --runs} asks for {@code requested}. */
  default int runs(int requested) {
    return requested;
  }
}
