package dev.pgconductor.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The short version of every scenario, on the harness's own throwaway Postgres cluster (not the one
 * {@code PGCONDUCTOR_TEST_URL} names: the harness must be able to stop and kill its server). The
 * guarantees are asserted for every scenario; checks that show a defect the engine has not fixed
 * yet are reported, not asserted, each with the defect's number.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReliabilityIT {
  private Map<String, ScenarioReport> reports;

  @BeforeAll
  void runAllScenarios() {
    long seed = Long.getLong("pgconductor.reliability.seed", System.nanoTime());
    List<ScenarioReport> all = Reliability.run(Scenarios.all(), false, null, seed);
    System.out.println("seed " + seed + "\n" + ReportTable.text(all));
    reports = all.stream().collect(Collectors.toMap(ScenarioReport::scenario, Function.identity()));
  }

  static List<String> scenarios() {
    return Scenarios.all().stream().map(Scenario::name).toList();
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void nothingLostNothingTwiceEffectsOnceRecordedStepsNotRerun(String scenario) {
    ScenarioReport r = reports.get(scenario);
    assertThat(r.notes()).as("notes").noneMatch(n -> n.startsWith("ABORTED"));
    assertThat(r.invoked()).as("invoked").isPositive();
    assertThat(r.lost()).as("lost").isZero();
    assertThat(r.duplicateCompletions()).as("duplicate completions").isZero();
    assertThat(r.effectsNotOne()).as("transactional effects other than 1").isZero();
    if (scenario.equals("blackhole") || scenario.equals("sigstop")) {
      // new defect A (not in the engine engineer's list yet): a worker that was cut off or frozen
      // past its lease, once the network heals or it is thawed, still starts the handlers of
      // executions it had claimed
      // ahead before the cut, although others ran and recorded them meanwhile, so recorded step
      // bodies run again (their late writes are rejected). Reported only.
      knownDefect("A", r.recordedStepsRerun() == 0, r);
      return;
    }
    assertThat(r.recordedStepsRerun()).as("recorded steps rerun: %s", r.notes()).isZero();
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void recoveryWithinTheStatedBound(String scenario) {
    ScenarioReport r = reports.get(scenario);
    boolean withinBound = r.recoveryWithinBound();
    if (scenario.equals("sigstop") || scenario.equals("blackhole")) {
      // defect 1: a worker frozen or cut off inside a transaction stalls the others' heartbeats
      // (their rescue waits for its locks), so its executions are picked up late. Reported only.
      knownDefect("1", withinBound, r);
      return;
    }
    assertThat(withinBound)
        .as(
            "recovery max %.2f s within %.2f s (rescue max %.2f s)",
            r.recoveryMax(), r.recoveryBound(), r.rescueMax())
        .isTrue();
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void attemptsAreNotUsedByFaults(String scenario) {
    ScenarioReport r = reports.get(scenario);
    if (!scenario.equals("sigterm")) {
      // defect 4: crashes, outages and connection blips use up attempts. Reported only.
      knownDefect("4", r.attemptsUsedByFaults() == 0, r);
      return;
    }
    assertThat(r.attemptsUsedByFaults()).as("a graceful stop uses no attempt").isZero();
  }

  @ParameterizedTest
  @MethodSource("scenarios")
  void scenarioSpecificChecks(String scenario) {
    ScenarioReport r = reports.get(scenario);
    switch (scenario) {
      case "sql-names" ->
          assertThat(r.notes())
              .contains(
                  "canary alive, 12 executions in the engine's tables",
                  "7 of 7 step names recorded as given",
                  "14 of 14 task and queue names refused by the name rule");
      case "cold-start" ->
          assertThat(r.notes())
              .anyMatch(n -> n.startsWith("9 of 9 workers started"))
              .anyMatch(n -> n.endsWith("schema migrations recorded: 1 x1"));
      case "poison" ->
          // defect 5: hung handlers never fail and keep their slots; defect 6: executions of a task
          // no worker knows wait silently. Reported only.
          knownDefect("5", r.notes().stream().noneMatch(n -> n.startsWith("POISON SLOWED")), r);
      case "sigstop", "blackhole" ->
          // defect 1 (see recoveryWithinTheStatedBound): reported only
          knownDefect("1", r.notes().stream().noneMatch(n -> n.contains("DEFECT 1")), r);
      default -> {}
    }
  }

  private static void knownDefect(String defect, boolean holds, ScenarioReport r) {
    if (!holds) {
      System.err.printf(
          "known defect %s still shows in scenario %s: attempts used by faults %d, recorded steps"
              + " rerun %d, recovery max %.2f s (bound %.2f s), notes %s%n",
          defect,
          r.scenario(),
          r.attemptsUsedByFaults(),
          r.recordedStepsRerun(),
          r.recoveryMax(),
          r.recoveryBound(),
          r.notes());
    }
  }
}
