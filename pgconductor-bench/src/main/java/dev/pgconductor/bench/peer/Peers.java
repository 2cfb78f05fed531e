package dev.pgconductor.bench.peer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The peers by name, as selected with {@code --peers}. */
public final class Peers {
  /** db-scheduler, in this JVM. */
  public static final String DB_SCHEDULER = DbSchedulerPeer.NAME;

  /** JobRunr, in this JVM. */
  public static final String JOBRUNR = JobRunrPeer.NAME;

  /** pg-boss, in Node. */
  public static final String PG_BOSS = PgBossPeer.NAME;

  /** graphile-worker, in Node. */
  public static final String GRAPHILE_WORKER = GraphileWorkerPeer.NAME;

  /** The pgbench raw-SQL bound. */
  public static final String RAW = "raw";

  /** Every selectable name, in report order. */
  public static final List<String> ALL =
      List.of(RAW, DB_SCHEDULER, JOBRUNR, PG_BOSS, GRAPHILE_WORKER);

  private Peers() {}

  /**
   * Expands a {@code --peers} value: names from {@link #ALL}, or {@code all}, {@code none}, {@code
   * jvm} (the in-JVM peers), {@code node} (the Node peers).
   */
  public static Set<String> parse(List<String> values) {
    Set<String> names = new LinkedHashSet<>();
    for (String raw : values) {
      for (String v : raw.split(",")) {
        String name = v.strip().toLowerCase();
        switch (name) {
          case "" -> {}
          case "all" -> names.addAll(ALL);
          case "none" -> {}
          case "jvm" -> names.addAll(List.of(DB_SCHEDULER, JOBRUNR));
          case "node" -> names.addAll(List.of(PG_BOSS, GRAPHILE_WORKER));
          default -> {
            if (!ALL.contains(name)) {
              throw new IllegalArgumentException(
                  "unknown peer '" + name + "'; choose from " + ALL + ", all, none, jvm, node");
            }
            names.add(name);
          }
        }
      }
    }
    return names;
  }

  /** The selected peers, in report order. */
  public static List<Peer> create(Set<String> names, Path workDir, PrintStream log) {
    NodeRuntime node = new NodeRuntime(workDir, log);
    List<Peer> peers = new ArrayList<>();
    for (String name : ALL) {
      if (!names.contains(name)) {
        continue;
      }
      peers.add(
          switch (name) {
            case RAW -> new RawSqlBound(workDir);
            case DB_SCHEDULER -> new DbSchedulerPeer();
            case JOBRUNR -> new JobRunrPeer();
            case PG_BOSS -> new PgBossPeer(node);
            case GRAPHILE_WORKER -> new GraphileWorkerPeer(node);
            default -> throw new IllegalArgumentException(name);
          });
    }
    return peers;
  }
}
