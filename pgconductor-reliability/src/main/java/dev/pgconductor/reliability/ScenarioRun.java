package dev.pgconductor.reliability;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.Conductor;
import dev.pgconductor.Invocation;
import dev.pgconductor.TaskDefinition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one scenario works with: a database of its own on the harness's cluster, the driver's
 * Conductor on it, the worker JVMs it started (each optionally behind a {@link FaultProxy}), and
 * the bookkeeping of invokes and faults the {@link Checker} reads afterwards.
 */
public final class ScenarioRun implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ScenarioRun.class);

  private final String name;
  private final PgCluster cluster;
  private final String database;
  private final WorkerSettings settings;
  private final java.time.Duration recoveryBound;
  private final boolean longRun;
  private final Random random;
  private final Conductor<Void> conductor;
  private final HikariDataSource pool;
  private final RecoveryTracker recoveries;
  private final List<WorkerProcess> workers = new CopyOnWriteArrayList<>();
  private final Map<String, FaultProxy> proxies = new ConcurrentHashMap<>();
  private final List<String> notes = new CopyOnWriteArrayList<>();
  private int started;
  private int ordersInvoked;

  ScenarioRun(
      String name,
      PgCluster cluster,
      WorkerSettings settings,
      java.time.Duration recoveryBound,
      boolean longRun,
      long seed,
      boolean installSchema) {
    this.name = name;
    this.cluster = cluster;
    this.database = "rel_" + name.replace('-', '_');
    this.settings = settings;
    this.recoveryBound = recoveryBound;
    this.longRun = longRun;
    this.random = new Random(seed);
    cluster.createDatabase(database);
    HarnessTables.create(url());
    this.conductor =
        Conductor.builder().connectionString(url()).tasks(Workload.DRIVER_SCHEMAS).build();
    if (installSchema) {
      conductor.ensureInstalled();
    }
    // the harness's own queries share a few connections: opening one per poll cost more CPU
    // than the workers on a two-core machine
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url() + "&ApplicationName=rel-driver");
    config.setMaximumPoolSize(6);
    config.setConnectionTimeout(5_000);
    config.setPoolName("harness");
    this.pool = new HikariDataSource(config);
    this.recoveries =
        new RecoveryTracker(
            pool,
            settings.heartbeatTimeout(),
            () ->
                liveWorkers().stream()
                    .filter(WorkerProcess::isStarted)
                    .map(WorkerProcess::orchestratorId)
                    .toList());
  }

  /** The scenario's name. */
  public String name() {
    return name;
  }

  /** Whether this is the long version. */
  public boolean isLong() {
    return longRun;
  }

  /** The scenario's random numbers (seeded). */
  public Random random() {
    return random;
  }

  /** The worker settings. */
  public WorkerSettings settings() {
    return settings;
  }

  /** The bound on recovery times the checker compares with. */
  public java.time.Duration recoveryBound() {
    return recoveryBound;
  }

  /** The cluster (to stop and start it). */
  public PgCluster cluster() {
    return cluster;
  }

  /** A direct JDBC URL of the scenario's database. */
  public String url() {
    return cluster.url(database);
  }

  /** The driver's Conductor on the scenario's database. */
  public Conductor<Void> conductor() {
    return conductor;
  }

  /** The recovery tracker (kills go through it). */
  public RecoveryTracker recoveries() {
    return recoveries;
  }

  /** Adds a line to the scenario's report. */
  public void note(String line) {
    LOG.info("[{}] {}", name, line);
    notes.add(line);
  }

  List<String> notes() {
    return notes;
  }

  /**
   * Notes the heartbeats the workers warned came late enough to start a new live period (they may
   * then rescue no peer for a heartbeatTimeout): how many, and the worst gap and call time.
   */
  void noteLateHeartbeats() {
    List<long[]> late = workers.stream().flatMap(w -> w.lateHeartbeats().stream()).toList();
    if (!late.isEmpty()) {
      note(
          late.size()
              + " late heartbeats started a new live period; worst gap "
              + late.stream().mapToLong(l -> l[0]).max().getAsLong()
              + " ms, longest call "
              + late.stream().mapToLong(l -> l[1]).max().getAsLong()
              + " ms");
    }
  }

  /** The workers started so far (dead ones included). */
  public List<WorkerProcess> workers() {
    return workers;
  }

  /** The workers still alive. */
  public List<WorkerProcess> liveWorkers() {
    return workers.stream().filter(WorkerProcess::isAlive).toList();
  }

  /** Launches {@code count} workers at once and waits until all of them run. */
  public List<WorkerProcess> startWorkers(int count, boolean viaProxy) {
    List<WorkerProcess> launched = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      launched.add(launchWorker(viaProxy, 0));
    }
    for (WorkerProcess w : launched) {
      w.awaitStarted(Duration.ofSeconds(90));
    }
    return launched;
  }

  /**
   * Launches one worker without waiting for it to start. With {@code viaProxy} its engine
   * connections go through a {@link FaultProxy} of its own (its step log never does).
   */
  public synchronized WorkerProcess launchWorker(boolean viaProxy, long clockOffsetMillis) {
    return launchWorker(viaProxy, clockOffsetMillis, List.of());
  }

  /** Like {@link #launchWorker(boolean, long)}, with more {@link WorkerMain} arguments. */
  public synchronized WorkerProcess launchWorker(
      boolean viaProxy, long clockOffsetMillis, List<String> extraArgs) {
    String workerName = "w" + (++started);
    String appName = "rel-" + workerName;
    String engineUrl = url() + "&ApplicationName=" + appName;
    if (viaProxy) {
      FaultProxy proxy = new FaultProxy(cluster.port());
      proxies.put(workerName, proxy);
      engineUrl = engineUrl.replace(":" + cluster.port() + "/", ":" + proxy.port() + "/");
    }
    List<String> args =
        new ArrayList<>(
            List.of(
                "--url",
                engineUrl,
                "--log-url",
                url() + "&ApplicationName=rel-log",
                "--name",
                workerName,
                "--concurrency",
                Integer.toString(settings.concurrency()),
                "--heartbeat-interval-ms",
                Long.toString(settings.heartbeatInterval().toMillis()),
                "--heartbeat-timeout-ms",
                Long.toString(settings.heartbeatTimeout().toMillis()),
                "--shutdown-grace-ms",
                Long.toString(settings.shutdownGrace().toMillis()),
                "--clock-offset-ms",
                Long.toString(clockOffsetMillis)));
    args.addAll(extraArgs);
    WorkerProcess w = WorkerProcess.launch(workerName, settings, args);
    workers.add(w);
    return w;
  }

  /** The fault proxy of a worker started with one. */
  public FaultProxy proxyOf(WorkerProcess worker) {
    return proxies.get(worker.name());
  }

  /**
   * Invokes {@code count} executions of {@code task}, in batches, recording them as {@code kind}.
   */
  public <P> List<String> invoke(
      TaskDefinition<P, ?> task, String kind, int count, IntFunction<P> payload) {
    return invokeWith(conductor, task, kind, count, payload);
  }

  /** Like {@link #invoke}, through another Conductor on the same database. */
  public <P> List<String> invokeWith(
      Conductor<?> via, TaskDefinition<P, ?> task, String kind, int count, IntFunction<P> payload) {
    List<String> ids = new ArrayList<>();
    for (int from = 0; from < count; from += 500) {
      int to = Math.min(count, from + 500);
      List<Invocation<P>> batch = new ArrayList<>();
      for (int i = from; i < to; i++) {
        batch.add(Invocation.of(payload.apply(i)));
      }
      List<String> batchIds = via.invokeBatch(task, batch);
      recordInvokes(batchIds, kind);
      ids.addAll(batchIds);
    }
    return ids;
  }

  /** Invokes {@code count} order workflows (recorded as kind "order"). */
  public List<String> invokeOrders(
      int count, int stepMillis, int chargeMillis, int sleepMillis, boolean child) {
    int first = ordersInvoked;
    ordersInvoked += count;
    return invoke(
        Workload.ORDER,
        "order",
        count,
        i -> new Workload.Order("o" + (first + i), stepMillis, chargeMillis, sleepMillis, child));
  }

  /**
   * Trickles {@code total} orders in over {@code seconds} (batches of 20), holding back while more
   * than 300 invoked orders are unfinished.
   */
  public Trickle trickleOrders(
      int total, double seconds, int stepMillis, int chargeMillis, int sleepMillis) {
    return new Trickle(
        total,
        20,
        seconds,
        () -> unfinished("order"),
        300,
        from -> invokeOrders(20, stepMillis, chargeMillis, sleepMillis, true));
  }

  /** Notes that a trickle gave up, if it did. */
  public void noteIfGaveUp(Trickle trickle) {
    if (trickle.gaveUp()) {
      note(
          "STALLED: the backlog of orders stayed above its limit for 2 minutes, so invoking"
              + " stopped; "
              + unfinished("order")
              + " orders were unfinished when the faults ended");
    }
  }

  /** Pauses the driver for a random time between the bounds: the pace of fault injection. */
  public void pause(long minMillis, long maxMillis) throws InterruptedException {
    Thread.sleep(minMillis + (long) (random.nextDouble() * (maxMillis - minMillis)));
  }

  /** A live worker that has started, at random, or null. */
  public WorkerProcess randomStartedWorker() {
    List<WorkerProcess> candidates =
        workers.stream().filter(w -> w.isAlive() && w.isStarted()).toList();
    return candidates.isEmpty() ? null : candidates.get(random.nextInt(candidates.size()));
  }

  /**
   * Watches the heartbeats of every registered orchestrator but {@code exceptOrchestrator} for
   * {@code duration} and returns the worst age seen, in seconds: while one worker is frozen or cut
   * off, the healthy ones must keep heartbeating.
   */
  public double worstHeartbeatAge(String exceptOrchestrator, Duration duration) {
    double worst = 0;
    long until = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < until) {
      worst =
          Math.max(
              worst,
              queryLong(
                      "select coalesce(max(extract(epoch from clock_timestamp() - last_heartbeat_at)"
                          + " * 1000), 0)::bigint from pgconductor.orchestrators"
                          + " where id <> ?::uuid",
                      exceptOrchestrator)
                  / 1000.0);
      LockSupport.parkNanos(100_000_000L);
    }
    return worst;
  }

  /** Records ids as invoked, of the given kind. */
  public void recordInvokes(Collection<String> ids, String kind) {
    exec(
        "insert into harness.invokes (execution_id, kind) select unnest(?::uuid[]), ?",
        ids.toArray(String[]::new),
        kind);
  }

  /** Records a fault that is not a kill; returns its id. */
  public long fault(String kind, String worker) {
    return queryLong(
        "insert into harness.faults (kind, worker) values (?, ?) returning id", kind, worker);
  }

  /** How many executions of these kinds are not finished yet. */
  public long unfinished(String... kinds) {
    return queryLong(
        "select count(*) from harness.invokes i"
            + " where i.kind = any(?::text[]) and not exists"
            + " (select 1 from pgconductor.finished_executions f where f.id = i.execution_id)",
        (Object) kinds);
  }

  /**
   * Waits until every invoked execution of these kinds finished, or the timeout passed. Returns
   * whether they all finished. Database errors (an outage) count as not finished yet.
   */
  public boolean awaitFinished(Duration timeout, String... kinds) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (unfinished(kinds) == 0) {
          return true;
        }
      } catch (IllegalStateException databaseAway) {
        // try again
      }
      LockSupport.parkNanos(200_000_000L);
    }
    return false;
  }

  /** A number from a query with parameters. */
  public long queryLong(String sql, Object... params) {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = prepare(c, sql, params);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** The first column of every row of a query with parameters, as text. */
  public List<String> queryStrings(String sql, Object... params) {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = prepare(c, sql, params);
        ResultSet rs = ps.executeQuery()) {
      List<String> values = new ArrayList<>();
      while (rs.next()) {
        values.add(rs.getString(1));
      }
      return values;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** The database clock's time of day, for notes that line up with logged runs. */
  public String dbTime() {
    return queryStrings("select clock_timestamp()::time::text").get(0);
  }

  /** Runs a statement with parameters. */
  public void exec(String sql, Object... params) {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = prepare(c, sql, params)) {
      ps.execute();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  private static PreparedStatement prepare(Connection c, String sql, Object... params)
      throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    for (int i = 0; i < params.length; i++) {
      Object p = params[i];
      if (p instanceof String[] array) {
        ps.setArray(i + 1, c.createArrayOf("text", array));
      } else {
        ps.setObject(i + 1, p);
      }
    }
    return ps;
  }

  /** Stops the fault injection leftovers: heals proxies, kills the workers, closes the driver. */
  @Override
  public void close() {
    recoveries.close();
    for (FaultProxy p : proxies.values()) {
      p.close();
    }
    for (WorkerProcess w : workers) {
      w.close();
    }
    conductor.close();
    pool.close();
  }
}
