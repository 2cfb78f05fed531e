package dev.pgconductor.bench.scenario;

import dev.pgconductor.bench.BenchContext;
import dev.pgconductor.bench.Trial;
import java.util.List;

/**
 * Scenario 6: parents that each invoke one child ({@code ctx.invoke}) and wait for its result;
 * measured as parents completed per second (target: at least 5,000/s). The engine has no child
 * invoke yet, so the scenario reports itself as skipped; once it exists, its trial enqueues N
 * parents, drains with the tuned config until all N parents are finished, and divides.
 */
public final class ParentChildScenario implements Scenario {
  static final String SKIP = "needs child invoke (not yet in the engine)";

  @Override
  public int number() {
    return 6;
  }

  @Override
  public String title() {
    return "parent invokes child and waits";
  }

  @Override
  public List<Trial> trials(BenchContext context) {
    return List.of(Trial.skipped(Trial.PGCONDUCTOR, DrainScenario.TUNED, Trial.Role.SUBJECT, SKIP));
  }
}
