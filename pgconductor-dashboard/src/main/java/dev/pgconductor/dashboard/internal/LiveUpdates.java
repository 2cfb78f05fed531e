package dev.pgconductor.dashboard.internal;

import dev.pgconductor.dashboard.query.StatusQuery;
import io.javalin.http.sse.SseClient;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one reader of the database for every open page: while at least one page listens, it reads the
 * overview every refresh interval on its own thread, renders it once, and sends it to every page
 * over server-sent events. Pages never query the database to stay current.
 */
final class LiveUpdates implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LiveUpdates.class);
  static final Duration WINDOW = Duration.ofHours(1);
  static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(30);

  private final StatusQuery status;
  private final Templates templates;
  private final Duration interval;
  private final Set<SseClient> clients = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService refresher;
  private final String base;
  private volatile Snapshot last;

  private record Snapshot(Overview overview, long readAtNanos) {}

  LiveUpdates(StatusQuery status, Templates templates, Duration interval, String base) {
    this.status = status;
    this.base = base;
    this.templates = templates;
    this.interval = interval;
    this.refresher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "pgconductor-dashboard-refresher");
              t.setDaemon(true);
              return t;
            });
    refresher.scheduleWithFixedDelay(
        this::refreshIfWatched, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The overview, read now unless the last reading is younger than the refresh interval. */
  Overview overview() {
    Snapshot s = last;
    if (s != null && System.nanoTime() - s.readAtNanos < interval.toNanos()) {
      return s.overview;
    }
    return read();
  }

  private Overview read() {
    Overview overview =
        new Overview(status.read(WINDOW), status.throughput(WINDOW), HEARTBEAT_TIMEOUT);
    last = new Snapshot(overview, System.nanoTime());
    return overview;
  }

  /** A page that listens: it gets the current numbers now and fresh ones every interval. */
  void add(SseClient client) {
    client.keepAlive();
    clients.add(client);
    client.onClose(() -> clients.remove(client));
    refresher.execute(() -> send(Set.of(client), overview()));
  }

  /** The number of pages listening. */
  int listeners() {
    return clients.size();
  }

  private void refreshIfWatched() {
    if (clients.isEmpty()) {
      return;
    }
    try {
      send(clients, read());
    } catch (RuntimeException e) {
      log.warn("Could not refresh the dashboard: {}", e.getMessage());
    }
  }

  private void send(Set<SseClient> to, Overview overview) {
    String fragment = null;
    String summary = null;
    for (SseClient client : to) {
      if (client.terminated()) {
        clients.remove(client);
        continue;
      }
      if (fragment == null) {
        Map<String, Object> params = Map.of("overview", overview, "base", base);
        fragment = templates.render("overview_live.jte", params);
        summary = templates.render("summary.jte", params);
      }
      client.sendEvent("summary", summary);
      client.sendEvent("overview", fragment);
    }
  }

  @Override
  public void close() {
    refresher.shutdownNow();
    for (SseClient client : clients) {
      client.close();
    }
    clients.clear();
  }
}
