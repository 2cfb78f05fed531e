package dev.pgconductor.bench;

import dev.pgconductor.bench.db.BenchDatabase;

/**
 * One system (in one variant) measured in one scenario. Each run of a trial gets a fresh, empty
 * database of its own. A trial may instead be a skip with a reason, reported as such.
 *
 * @param system "pgconductor", a peer's name, or the raw-SQL bound
 * @param variant e.g. "default" or "tuned"; "-" when the scenario has a single variant
 * @param role how the row is compared with pgconductor's result
 * @param body what one run does; null for a skip
 * @param skipReason why the trial does not run; null when it does
 */
public record Trial(String system, String variant, Role role, Body body, String skipReason) {
  /** pgconductor itself, a peer job system, or a raw-SQL bound. */
  public enum Role {
    SUBJECT,
    PEER,
    BOUND
  }

  /** One run of a trial on a fresh database. */
  @FunctionalInterface
  public interface Body {
    Measurement run(BenchDatabase database) throws Exception;
  }

  public static final String PGCONDUCTOR = "pgconductor";

  /** A trial of pgconductor. */
  public static Trial subject(String variant, Body body) {
    return new Trial(PGCONDUCTOR, variant, Role.SUBJECT, body, null);
  }

  /** A trial that is reported as skipped. */
  public static Trial skipped(String system, String variant, Role role, String reason) {
    return new Trial(system, variant, role, null, reason);
  }

  public boolean isSkipped() {
    return skipReason != null;
  }
}
