package dev.pgconductor.reliability;

import dev.pgconductor.reliability.scenario.AmbiguousCommit;
import dev.pgconductor.reliability.scenario.BackendTerminations;
import dev.pgconductor.reliability.scenario.BlackHole;
import dev.pgconductor.reliability.scenario.ClockSteps;
import dev.pgconductor.reliability.scenario.ConcurrentStart;
import dev.pgconductor.reliability.scenario.ConcurrentUpgrade;
import dev.pgconductor.reliability.scenario.FrozenWorker;
import dev.pgconductor.reliability.scenario.KillStorm;
import dev.pgconductor.reliability.scenario.PoisonInputs;
import dev.pgconductor.reliability.scenario.PostgresRestart;
import dev.pgconductor.reliability.scenario.SigtermUnderLoad;
import dev.pgconductor.reliability.scenario.SqlInNames;
import java.util.ArrayList;
import java.util.List;

/** The scenario table, in priority order. */
public final class Scenarios {
  private Scenarios() {}

  /** Every scenario, in priority order. */
  public static List<Scenario> all() {
    return List.of(
        new KillStorm(),
        new SigtermUnderLoad(),
        new PostgresRestart(),
        new BackendTerminations(),
        new FrozenWorker(),
        new BlackHole(),
        new PoisonInputs(),
        new ConcurrentStart(),
        new ConcurrentUpgrade(),
        new SqlInNames(),
        new AmbiguousCommit(),
        new ClockSteps());
  }

  /** The scenarios named in a comma-separated list, or all of them for "all". */
  public static List<Scenario> named(String list) {
    if (list.strip().equals("all")) {
      return all();
    }
    List<Scenario> chosen = new ArrayList<>();
    for (String name : list.split(",")) {
      chosen.add(
          all().stream()
              .filter(s -> s.name().equals(name.strip()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "no scenario "
                              + name
                              + "; there are "
                              + all().stream().map(Scenario::name).toList())));
    }
    return chosen;
  }
}
