package dev.pgconductor.bench.peer;

/**
 * graphile-worker (npm {@code graphile-worker}), run by the machine's Node with {@code
 * graphile.mjs}: concurrency 24, a local queue of 500 (batch claim), batched completion ({@code
 * completeJobBatchDelay: 0}), pool of 26, {@code addJobs()} for batches.
 */
public final class GraphileWorkerPeer extends NodePeer {
  static final String NAME = "graphile-worker";

  public GraphileWorkerPeer(NodeRuntime node) {
    super(node);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  String script() {
    return "graphile.mjs";
  }

  @Override
  public String settings() {
    return "graphile-worker "
        + node().packageVersion("graphile-worker")
        + " on Node "
        + node().nodeVersion()
        + ": concurrency 24, localQueue 500, completeJobBatchDelay 0, pool 26";
  }
}
