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
      knownDefect(1, withinBound, r);
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
      knownDefect(4, r.attemptsUsedByFaults() == 0, r);
      return;
    }
    assertThat(r.attemptsUsedByFaults()).as("a graceful stop uses no attempt").isZero();
  }

  private static void knownDefect(int defect, boolean holds, ScenarioReport r) {
    if (!holds) {
      System.err.printf(
          "known defect %d still shows in scenario %s: attempts used by faults %d, recovery max"
              + " %.2f s (bound %.2f s)%n",
          defect, r.scenario(), r.attemptsUsedByFaults(), r.recoveryMax(), r.recoveryBound());
    }
  }
}
