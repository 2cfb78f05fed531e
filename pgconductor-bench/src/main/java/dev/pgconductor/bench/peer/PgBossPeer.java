package dev.pgconductor.bench.peer;

/**
 * pg-boss (npm {@code pg-boss}), run by the machine's Node with {@code pgboss.mjs}: 8 {@code
 * work()} loops fetching batches of 1,000, polling interval 0.5 s (its minimum), pool of 10, {@code
 * insert()} for batches. Version 10.1.6, the newest that runs on Node 20.
 */
public final class PgBossPeer extends NodePeer {
  static final String NAME = "pg-boss";

  public PgBossPeer(NodeRuntime node) {
    super(node);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  String script() {
    return "pgboss.mjs";
  }

  @Override
  public String settings() {
    return "pg-boss "
        + node().packageVersion("pg-boss")
        + " on Node "
        + node().nodeVersion()
        + ": 8 work() loops, batchSize 1000, pollingIntervalSeconds 0.5, pool 10";
  }
}
