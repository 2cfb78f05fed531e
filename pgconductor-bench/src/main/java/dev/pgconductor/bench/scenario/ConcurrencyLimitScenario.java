package dev.pgconductor.bench.scenario;

import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Trial;
import java.util.List;

/**
 * Scenario 9: a queue with several no-op tasks where one has a concurrency limit: the drain rate
 * of the unlimited tasks, compared with the same queue when no task has a limit (target: the limit
 * costs the others less than 10%). The engine has no task concurrency limits yet, so the scenario
 * reports itself as skipped; once {@code TaskOptions.concurrency} exists, its two trials are
 * {@link DrainScenario#run}-style drains over a mixed queue, counting only the unlimited tasks.
 */
public final class ConcurrencyLimitScenario implements Scenario {
  static final String SKIP = "needs task concurrency limits (not yet in the engine)";

  @Override
  public int number() {
    return 9;
  }

  @Override
  public String title() {
    return "one task concurrency-limited";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    return List.of(
        Trial.skipped(Trial.PGCONDUCTOR, "no limits", Trial.Role.SUBJECT, SKIP),
        Trial.skipped(Trial.PGCONDUCTOR, "one task limited", Trial.Role.SUBJECT, SKIP));
  }
}
