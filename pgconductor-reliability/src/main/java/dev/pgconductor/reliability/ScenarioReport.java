package dev.pgconductor.reliability;

import java.util.List;

/**
 * What the {@link Checker} found after one scenario.
 *
 * @param scenario the scenario's name
 * @param seconds how long the scenario ran
 * @param faults faults injected (kills, stops, outages, terminations, ...)
 * @param invoked executions the driver invoked and the checker follows
 * @param completed of those, completed
 * @param failed of those, failed for good
 * @param lost invoked but not completed within the deadline (failed ones included)
 * @param duplicateCompletions executions finished twice, finished and still queued, or with more
 *     children than they invoked
 * @param effectsNotOne completed orders whose transactional step left other than exactly one effect
 *     row, or one other than the row its result names
 * @param recordedStepsRerun step bodies that ran again after their result was recorded
 * @param plainStepReruns extra runs of plain step bodies (at-least-once; bounded by faults times
 *     concurrency)
 * @param plainRerunBound faults times worker concurrency
 * @param attemptsUsedByFaults completed executions with more than one attempt, although no handler
 *     fails by itself
 * @param recoverySamples executions picked up again after a kill
 * @param recoveryP50 median seconds from a kill to the pick-up, or NaN
 * @param recoveryP99 99th percentile, or NaN
 * @param recoveryMax maximum, or NaN
 * @param recoveryBound the simple bound, in seconds: heartbeatTimeout + heartbeatInterval + a claim
 *     (plus a heartbeatTimeout where a worker was taken away inside a transaction)
 * @param recoveryBeyondBound pick-ups later than the bound of docs/guarantees.md counted from the
 *     moment the rescue was allowed: heartbeatInterval + a claim after it (plus the same extra)
 * @param worstLateness seconds by which the latest pick-up missed that bound (0 or less: none did)
 * @param rescueMax the longest time from a kill to the rescue that handed the execution back to the
 *     queue, or NaN
 * @param notes what the scenario observed beyond the figures
 */
public record ScenarioReport(
    String scenario,
    double seconds,
    long faults,
    long invoked,
    long completed,
    long failed,
    long lost,
    long duplicateCompletions,
    long effectsNotOne,
    long recordedStepsRerun,
    long plainStepReruns,
    long plainRerunBound,
    long attemptsUsedByFaults,
    long recoverySamples,
    double recoveryP50,
    double recoveryP99,
    double recoveryMax,
    double recoveryBound,
    long recoveryBeyondBound,
    double worstLateness,
    double rescueMax,
    List<String> notes) {

  /** Whether every recovery measured is within the docs' bound (true when none was measured). */
  public boolean recoveryWithinBound() {
    return recoveryBeyondBound == 0;
  }
}
