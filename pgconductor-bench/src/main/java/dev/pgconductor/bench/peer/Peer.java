package dev.pgconductor.bench.peer;

import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Trial;
import dev.pgconductor.bench.db.BenchDatabase;
import java.util.Optional;

/**
 * A system measured beside pgconductor on the same Postgres: a peer job system (in this JVM or in
 * Node) or a raw-SQL bound (pgbench). Each is set up as its documentation recommends for
 * throughput; {@link #settings()} says how, for the report.
 */
public interface Peer {
  /** Name in the table, e.g. "db-scheduler". */
  String name();

  /** {@link Trial.Role#PEER} (the default) or {@link Trial.Role#BOUND}. */
  default Trial.Role role() {
    return Trial.Role.PEER;
  }

  /**
   * Why this peer cannot run on this machine (missing tool, failed install), or empty (the
   * default).
   */
  default Optional<String> unavailableReason() {
    return Optional.empty();
  }

  /**
   * Whether this peer implements the workload: by default all but the 2-step one, which needs
   * memoized steps, which none of the peer job systems has.
   */
  default boolean supports(Workload workload) {
    return !(workload instanceof Workload.TwoStep);
  }

  /** Runs the workload once on a fresh database. */
  Measurement run(Workload workload, BenchDatabase database) throws Exception;

  /** The version and settings used, for the report. */
  String settings();
}
