package dev.pgconductor.bench.peer;

import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.db.BenchDatabase;
import dev.pgconductor.bench.db.JdbcUrl;
import dev.pgconductor.bench.util.Poll;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the two Node peers have in common: they run one of the scripts shipped in this jar through
 * {@link NodeRuntime}, which does the measuring on the Node side with the same loops as the Java
 * harness.
 */
abstract class NodePeer implements Peer {
  private final NodeRuntime node;

  NodePeer(NodeRuntime node) {
    this.node = node;
  }

  /** The script to run, e.g. {@code pgboss.mjs}. */
  abstract String script();

  NodeRuntime node() {
    return node;
  }

  @Override
  public Optional<String> unavailableReason() {
    return node.unavailableReason();
  }

  @Override
  public Measurement run(Workload workload, BenchDatabase db) throws Exception {
    Map<String, Object> args = new LinkedHashMap<>();
    args.put("workload", workload.kind());
    args.put("url", JdbcUrl.toLibpqUri(db.url()));
    Duration timeout;
    switch (workload) {
      case Workload.EnqueueSingle w -> {
        args.put("jobs", w.jobs());
        args.put("callers", w.callers());
        timeout = Poll.budget(Duration.ofSeconds(60), w.jobs(), 100);
      }
      case Workload.EnqueueBatch w -> {
        args.put("jobs", w.jobs());
        args.put("batchSize", w.batchSize());
        timeout = Poll.budget(Duration.ofSeconds(60), w.jobs(), 100);
      }
      case Workload.Drain w -> {
        args.put("jobs", w.jobs());
        timeout = Poll.budget(Duration.ofSeconds(90), w.jobs(), 50);
      }
      case Workload.TwoStep w ->
          throw new IllegalArgumentException(name() + " has no memoized steps (supports is false)");
      case Workload.SteadyState w -> {
        args.put("durationMs", w.duration().toMillis());
        args.put("batchSize", w.batchSize());
        args.put("maxBacklog", w.maxBacklog());
        timeout = w.duration().plusSeconds(90);
      }
    }
    return node.run(script(), args, timeout);
  }
}
