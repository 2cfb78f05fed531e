package dev.pgconductor.bench;

import dev.pgconductor.bench.peer.Peer;
import dev.pgconductor.bench.peer.Workload;
import java.io.PrintStream;
import java.util.List;
import java.util.Objects;

/**
 * What a scenario needs to build its trials: the options, and the peers selected for this run
 * (available or not; an unavailable peer is reported as skipped with its reason).
 *
 * @param options sizes and selections
 * @param peers selected peers and raw-SQL bounds
 * @param log where progress lines go
 */
public record BenchContext(BenchOptions options, List<Peer> peers, PrintStream log) {
  public BenchContext {
    peers = List.copyOf(peers);
  }

  /**
   * The trial of {@code peer} for a workload: runnable, or skipped with the reason (peer not
   * available here, or no implementation of that workload for it).
   */
  public Trial peerTrial(Peer peer, Workload workload, String variant) {
    var unavailable = peer.unavailableReason();
    if (unavailable.isPresent()) {
      return Trial.skipped(peer.name(), variant, peer.role(), unavailable.get());
    }
    if (!peer.supports(workload)) {
      return null;
    }
    return new Trial(peer.name(), variant, peer.role(), db -> peer.run(workload, db), null);
  }

  /** The trials of all selected peers for a workload (peers that do not support it left out). */
  public List<Trial> peerTrials(Workload workload, String variant) {
    return peers.stream()
        .map(p -> peerTrial(p, workload, variant))
        .filter(Objects::nonNull)
        .toList();
  }
}
