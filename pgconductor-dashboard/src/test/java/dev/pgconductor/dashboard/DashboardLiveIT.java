package dev.pgconductor.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Open pages stay current without each of them querying the database: one reader per dashboard,
 * whatever the number of pages, and none while no page is open.
 */
class DashboardLiveIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  /** The data source, counting the connections taken from it. */
  static DataSource counting(DataSource target, AtomicLong connections) {
    return (DataSource)
        Proxy.newProxyInstance(
            DataSource.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (proxy, method, args) -> {
              if (method.getName().equals("getConnection")) {
                connections.incrementAndGet();
              }
              try {
                return method.invoke(target, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Test
  void tenOpenPagesCostTheDatabaseWhatOneDoes() throws Exception {
    db.installSchema();
    AtomicLong connections = new AtomicLong();
    Duration interval = Duration.ofMillis(250);
    try (Dashboard dashboard =
        Dashboard.builder(counting(db.dataSource(), connections))
            .port(0)
            .refreshInterval(interval)
            .start()) {
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest live =
          HttpRequest.newBuilder(URI.create(dashboard.url() + "live"))
              .header("Accept", "text/event-stream")
              .build();
      List<AtomicInteger> updates = new ArrayList<>();
      List<CompletableFuture<HttpResponse<Stream<String>>>> pages = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        AtomicInteger received = new AtomicInteger();
        updates.add(received);
        CompletableFuture<HttpResponse<Stream<String>>> page =
            http.sendAsync(live, HttpResponse.BodyHandlers.ofLines());
        page.thenAcceptAsync(
            response ->
                response
                    .body()
                    .filter(line -> line.equals("event: overview"))
                    .forEach(line -> received.incrementAndGet()));
        pages.add(page);
      }
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> updates.stream().allMatch(u -> u.get() >= 2));
      long before = connections.get();
      int updatesBefore = updates.getFirst().get();
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> updates.stream().allMatch(u -> u.get() >= updatesBefore + 8));
      long perUpdate = (connections.get() - before) / (updates.getFirst().get() - updatesBefore);
      // one reading (the status and the throughput: two connections) per update for all ten
      // pages, where a query per page would take twenty
      assertThat(perUpdate).isLessThanOrEqualTo(3);

      for (var page : pages) {
        page.join().body().close();
      }
      // once no page listens, the reading stops: the count settles between two polls, then stays
      AtomicLong last = new AtomicLong(-1);
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(interval.multipliedBy(4))
          .until(() -> last.getAndSet(connections.get()) == connections.get());
      long settled = connections.get();
      await()
          .during(interval.multipliedBy(6))
          .atMost(interval.multipliedBy(12))
          .until(() -> connections.get() == settled);
    }
  }
}
