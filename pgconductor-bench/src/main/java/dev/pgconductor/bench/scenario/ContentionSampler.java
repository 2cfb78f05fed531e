package dev.pgconductor.bench.scenario;

import dev.pgconductor.bench.db.BenchDatabase;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Samples what the worker JVMs' backends are doing during a drain: every few milliseconds, on a
 * connection of its own, the wait event of each of their backends that is running a statement
 * ({@code pg_stat_activity}, state active, found by application name). A backend active without a
 * wait event is on a CPU (or waiting for one). Counts backend samples by wait event, and by wait
 * event and the pgconductor function the statement calls (claim, flush, register, …). Its own cost
 * is one query per period over Postgres' shared backend-status array, which takes no lock; it
 * measures the CPU time of its thread and, where the database runs on this machine, of its backend,
 * so that cost can be reported beside the figures.
 */
final class ContentionSampler implements AutoCloseable {
  /** The key of an active backend without a wait event. */
  static final String ON_CPU = "CPU";

  /** {@code /proc/<pid>/stat} counts in USER_HZ, 100 on every Linux platform Java runs on. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private static final String QUERY =
      "select wait_event_type, wait_event, left(query, 200) from pg_stat_activity"
          + " where datname = current_database() and application_name = ? and state = 'active'";

  /** The pgconductor function a statement calls, e.g. "claim" or "flush". */
  private static final Pattern FUNCTION = Pattern.compile("pgconductor\\.([a-z_]+)\\s*\\(");

  /** Otherwise a Postgres function it calls, e.g. "pg_advisory_lock" (the schema migration's). */
  private static final Pattern PG_FUNCTION = Pattern.compile("\\b(pg_[a-z_]+)\\s*\\(");

  private final BenchDatabase db;
  private final String applicationName;
  private final Duration every;

  /** Active backend samples by wait event ("type:event", or {@link #ON_CPU}) and statement. */
  private final Map<Key, Long> counts = new HashMap<>();

  /** A wait event ("type:event", or {@link #ON_CPU}) in a statement (see {@link #statement}). */
  record Key(String event, String statement) {}

  private volatile boolean stopping;
  private Thread thread;
  private Exception failure;
  private long samples;
  private long activeSamples;
  private long momentsWithLockWait;
  private long busyNanos;
  private long threadCpuNanos;
  private long backendCpuNanos = -1;

  ContentionSampler(BenchDatabase db, String applicationName, Duration every) {
    this.db = db;
    this.applicationName = applicationName;
    this.every = every;
  }

  /** Opens the connection and starts sampling on a thread of its own. */
  ContentionSampler start() throws Exception {
    Connection c = db.connect();
    PreparedStatement st = c.prepareStatement(QUERY);
    st.setString(1, applicationName);
    thread =
        Thread.ofPlatform()
            .daemon()
            .name("contention-sampler")
            .start(
                () -> {
                  try (c;
                      st) {
                    long backend0 = backendCpuNanos(c);
                    long cpu0 = THREADS.getCurrentThreadCpuTime();
                    while (!stopping) {
                      sample(st);
                      LockSupport.parkNanos(every.toNanos());
                    }
                    threadCpuNanos = THREADS.getCurrentThreadCpuTime() - cpu0;
                    long backend1 = backendCpuNanos(c);
                    if (backend0 >= 0 && backend1 >= 0) {
                      backendCpuNanos = backend1 - backend0;
                    }
                  } catch (Exception e) {
                    failure = e;
                  }
                });
    return this;
  }

  private void sample(PreparedStatement st) throws Exception {
    long t0 = System.nanoTime();
    boolean lockWait = false;
    try (ResultSet rs = st.executeQuery()) {
      while (rs.next()) {
        String type = rs.getString(1);
        String key = type == null ? ON_CPU : type + ":" + rs.getString(2);
        counts.merge(new Key(key, statement(rs.getString(3))), 1L, Long::sum);
        activeSamples++;
        lockWait |= "Lock".equals(type);
      }
    }
    samples++;
    if (lockWait) {
      momentsWithLockWait++;
    }
    busyNanos += System.nanoTime() - t0;
  }

  /** What a statement does, for the report: the function it calls, else its first word. */
  static String statement(String query) {
    if (query == null || query.isBlank()) {
      return "?";
    }
    String q = query.toLowerCase(Locale.ROOT);
    Matcher m = FUNCTION.matcher(q);
    if (m.find()) {
      return m.group(1);
    }
    m = PG_FUNCTION.matcher(q);
    if (m.find()) {
      return m.group(1);
    }
    return q.strip().split("\\s+", 2)[0];
  }

  /**
   * CPU time of this connection's backend so far, from Linux's {@code /proc} when the database runs
   * on this machine (an embedded one does); -1 where it cannot be read.
   */
  private static long backendCpuNanos(Connection c) {
    try {
      long pid = BenchDatabase.queryLong(c, "select pg_backend_pid()");
      Path proc = Path.of("/proc/" + pid);
      // a database on another machine has its own pids: this one may be any local process
      if (!Files.readString(proc.resolve("cmdline")).contains("postgres")) {
        return -1;
      }
      String stat = Files.readString(proc.resolve("stat"));
      // fields after the parenthesised command name; utime and stime are the 14th and 15th
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * NANOS_PER_TICK;
    } catch (Exception e) {
      return -1;
    }
  }

  /** Stops sampling; the counts are readable afterwards. */
  @Override
  public void close() throws Exception {
    stopping = true;
    if (thread != null) {
      thread.join();
      thread = null;
      if (failure != null) {
        throw failure;
      }
    }
  }

  /** Samples taken. */
  long samples() {
    return samples;
  }

  /** Backend samples in which a worker backend was running a statement. */
  long activeSamples() {
    return activeSamples;
  }

  /** Samples in which at least one worker backend waited on a heavyweight lock. */
  long momentsWithLockWait() {
    return momentsWithLockWait;
  }

  /** Time the sampler spent on its queries (round trips included). */
  long busyNanos() {
    return busyNanos;
  }

  /** CPU time of the sampling thread in this JVM. */
  long threadCpuNanos() {
    return threadCpuNanos;
  }

  /** CPU time of the sampler's backend, -1 where the database's processes cannot be read. */
  long backendCpuNanos() {
    return backendCpuNanos;
  }

  /** Active backend samples by wait event ("type:event", {@link #ON_CPU} without one). */
  Map<String, Long> byEvent() {
    Map<String, Long> map = new TreeMap<>();
    counts.forEach((k, n) -> map.merge(k.event(), n, Long::sum));
    return map;
  }

  /** Active backend samples by wait event and the statement it came in (see {@link #statement}). */
  Map<Key, Long> byEventAndStatement() {
    return counts;
  }

  /**
   * Percent of the active backend samples whose wait event type is {@code type} ("Lock", "LWLock",
   * "IO", …); 0 when none was active.
   */
  double share(String type) {
    return share(type, k -> true);
  }

  /**
   * Percent of the active backend samples of the given statements (e.g. "claim", "flush") whose
   * wait event type is {@code type}; 0 when none of them was active.
   */
  double share(String type, Set<String> statements) {
    return share(type, k -> statements.contains(k.statement()));
  }

  private double share(String type, Predicate<Key> which) {
    long all = 0;
    long waiting = 0;
    for (Map.Entry<Key, Long> e : counts.entrySet()) {
      if (which.test(e.getKey())) {
        all += e.getValue();
        if (e.getKey().event().startsWith(type + ":")) {
          waiting += e.getValue();
        }
      }
    }
    return all == 0 ? 0 : 100.0 * waiting / all;
  }
}
