package dev.pgconductor.bench.scenario;

import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Trial;
import java.util.List;

/**
 * Scenario 5: drain of tasks that run two memoized steps ({@code ctx.step}) and return, with the
 * tuned config, in jobs per second; the target compares it with scenario 3's tuned no-op drain
 * (at least 50%). The engine has no steps yet, so the scenario reports itself as skipped; once
 * {@code TaskContext.step} exists, its trial is {@link DrainScenario#run} with a handler calling
 * two steps.
 */
public final class TwoStepScenario implements Scenario {
  static final String SKIP = "needs steps (not yet in the engine)";

  @Override
  public int number() {
    return 5;
  }

  @Override
  public String title() {
    return "2-step tasks";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    return List.of(Trial.skipped(Trial.PGCONDUCTOR, DrainScenario.TUNED, Trial.Role.SUBJECT, SKIP));
  }
}
