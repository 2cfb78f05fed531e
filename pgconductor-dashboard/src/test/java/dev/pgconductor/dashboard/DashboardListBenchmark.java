package dev.pgconductor.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A benchmark, not a test (no build runs it): how long the dashboard takes to serve pages over a
 * million executions. Run it with
 *
 * <pre>
 * ./mvnw -q -pl pgconductor-dashboard -am verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dfailsafe.failIfNoSpecifiedTests=false \
 *   -Dit.test=DashboardListBenchmark -Dspotless.check.skip=true
 * </pre>
 *
 * <p>It loads 1,000,000 executions with SQL (990,000 finished, 1% of them failed and 10 cancelled,
 * with a dedupe key on one in a hundred; 10,000 pending on two queues), analyzes, starts a
 * dashboard and times each page over HTTP on loopback from the request to the last byte: 20 warm-up
 * requests, then the median, 95th percentile and maximum of 50.
 */
class DashboardListBenchmark {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final int FINISHED = 990_000;
  static final int PENDING = 10_000;

  @Test
  void pagesOverAMillionExecutions() throws Exception {
    db.installSchema();
    long loadStart = System.nanoTime();
    // time-ordered ids, as the engine makes them: 48 bits of milliseconds, then random bits
    db.execute(
        """
        insert into pgconductor.finished_executions
          (id, queue, task_key, state, payload, result, priority, attempts, dedupe_key, origin,
           last_error, created_at, started_at, finished_at)
        select (lpad(to_hex((extract(epoch from t) * 1000)::bigint), 12, '0')
                || substr(md5(i::text), 1, 20))::uuid,
               case when i % 4 = 0 then 'emails' else 'default' end,
               'task-' || (i % 20),
               case when i % 100 = 0 then 'failed'
                    when i % 100000 = 50 then 'cancelled' else 'completed' end,
               jsonb_build_object('n', i), jsonb_build_object('ok', true), 0, 1,
               case when i % 100 = 7 then 'key-' || i end,
               'invoked',
               case when i % 100 = 0 then 'java.lang.IllegalStateException: boom' end,
               t, t, t + interval '20 ms'
        from generate_series(1, :count) i,
             lateral (select now() - interval '2 days' + i * interval '170 ms' as t) ts
        """
            .replace(":count", Integer.toString(FINISHED)));
    db.execute(
        """
        insert into pgconductor.executions
          (id, queue, task_key, payload, run_at, created_at)
        select (lpad(to_hex((extract(epoch from t) * 1000)::bigint), 12, '0')
                || substr(md5('p' || i), 1, 20))::uuid,
               case when i % 2 = 0 then 'emails' else 'default' end,
               'task-' || (i % 20), jsonb_build_object('n', i), t, t
        from generate_series(1, :count) i,
             lateral (select now() - interval '1 hour' + i * interval '300 ms' as t) ts
        """
            .replace(":count", Integer.toString(PENDING)));
    db.execute("vacuum analyze pgconductor.finished_executions");
    db.execute("vacuum analyze pgconductor.executions");
    long total = db.queryLong("select count(*) from pgconductor.all_executions");
    assertThat(total).isEqualTo(FINISHED + PENDING);
    System.out.printf(
        Locale.ROOT,
        "loaded %,d executions in %.1f s%n",
        total,
        (System.nanoTime() - loadStart) / 1e9);

    String middle =
        db.dataSourceQueryString(
            "select id::text from pgconductor.finished_executions order by id desc offset 500000"
                + " limit 1");
    Map<String, String> pages = new LinkedHashMap<>();
    pages.put("executions, first page", "executions");
    pages.put("executions, page 10,000 (cursor)", "executions?after=" + middle);
    pages.put("executions, state=failed", "executions?state=failed");
    pages.put("executions, state=cancelled (10 rows)", "executions?state=cancelled");
    pages.put("executions, state=pending", "executions?state=pending");
    pages.put("executions, task=task-7", "executions?task=task-7");
    pages.put("executions, queue=emails", "executions?queue=emails");
    pages.put("executions, dedupe key search", "executions?q=key-500007");
    pages.put("overview", "");
    pages.put("failures", "failed");

    HttpClient http = HttpClient.newHttpClient();
    try (Dashboard dashboard = Dashboard.builder(db.dataSource()).port(0).start()) {
      System.out.printf("%-36s %10s %10s %10s%n", "page", "median ms", "p95 ms", "max ms");
      for (var page : pages.entrySet()) {
        URI uri = URI.create(dashboard.url() + page.getValue());
        for (int i = 0; i < 20; i++) {
          fetch(http, uri);
        }
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          long start = System.nanoTime();
          fetch(http, uri);
          times.add((System.nanoTime() - start) / 1e6);
        }
        times.sort(Double::compare);
        System.out.printf(
            Locale.ROOT,
            "%-36s %10.1f %10.1f %10.1f%n",
            page.getKey(),
            times.get(25),
            times.get(47),
            times.getLast());
      }
    }
  }

  private static void fetch(HttpClient http, URI uri) throws Exception {
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new AssertionError(uri + " answered " + response.statusCode());
    }
  }
}
