package dev.pgconductor.internal.db;

import java.util.UUID;

/** How one claimed execution ended, waiting in a worker's buffer to be written back. */
public record Outcome(
    UUID id, int lease, Kind kind, String resultJson, String error, String stack, int maxAttempts) {

  /** Outcome kinds, with the code {@code pgconductor.flush} understands. */
  public enum Kind {
    COMPLETED("c"),
    FAILED("f"),
    RELEASED("r");

    final String code;

    Kind(String code) {
      this.code = code;
    }
  }

  public static Outcome completed(Claimed c, String resultJson) {
    return new Outcome(c.id(), c.lease(), Kind.COMPLETED, resultJson, null, null, 0);
  }

  public static Outcome failed(Claimed c, String error, String stack, int maxAttempts) {
    return new Outcome(c.id(), c.lease(), Kind.FAILED, null, error, stack, maxAttempts);
  }

  public static Outcome released(Claimed c) {
    return new Outcome(c.id(), c.lease(), Kind.RELEASED, null, null, null, 0);
  }
}
