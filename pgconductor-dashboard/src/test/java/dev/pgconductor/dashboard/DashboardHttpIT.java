package dev.pgconductor.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dashboard over plain HTTP: who gets in, which requests may change something, and what a bad
 * request gets back.
 */
class DashboardHttpIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final String TOKEN = "s3cret-token";
  static Scenario scenario;
  static Dashboard dashboard;
  static Dashboard readOnly;
  static final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeAll
  static void start() {
    scenario = new Scenario(db);
    dashboard = Dashboard.builder(db.dataSource()).port(0).token(TOKEN).allowActions(true).start();
    readOnly = Dashboard.builder(db.dataSource()).port(0).start();
  }

  @AfterAll
  static void stop() {
    dashboard.close();
    readOnly.close();
    scenario.close();
  }

  static HttpResponse<String> get(Dashboard d, String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(d.url() + path.substring(1)));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(Dashboard d, String path, String form, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(d.url() + path.substring(1)))
            .header("Content-Type", "application/x-www-form-urlencoded");
    if (headers.length > 0) {
      request.headers(headers);
    }
    return http.send(
        request.POST(HttpRequest.BodyPublishers.ofString(form)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Signs in with the token in the address: the session cookie it sets. */
  static String signIn() throws IOException, InterruptedException {
    HttpResponse<String> response = get(dashboard, "/?token=" + TOKEN);
    assertThat(response.statusCode()).isEqualTo(302);
    assertThat(response.headers().firstValue("Location").orElseThrow()).doesNotContain(TOKEN);
    String cookie = response.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(cookie).contains("HttpOnly", "SameSite=Strict");
    return cookie.substring(0, cookie.indexOf(';'));
  }

  static String csrf(String cookie, String path) throws IOException, InterruptedException {
    HttpResponse<String> page = get(dashboard, path, "Cookie", cookie);
    assertThat(page.statusCode()).isEqualTo(200);
    Matcher m = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"").matcher(page.body());
    assertThat(m.find()).as("a form with a CSRF token on " + path).isTrue();
    return m.group(1);
  }

  @Test
  void everyPageNeedsTheToken() throws Exception {
    for (String path : new String[] {"/", "/executions", "/failed", "/live", "/schedules"}) {
      assertThat(get(dashboard, path).statusCode()).as(path).isEqualTo(401);
    }
    assertThat(get(dashboard, "/?token=wrong").statusCode()).isEqualTo(401);
    assertThat(get(dashboard, "/", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
    assertThat(get(dashboard, "/", "Cookie", "pgconductor_dashboard=forged").statusCode())
        .isEqualTo(401);
    // the browser libraries hold no data
    assertThat(get(dashboard, "/assets/dashboard.js").statusCode()).isEqualTo(200);
  }

  @Test
  void theTokenOpensASessionOrGoesInAHeader() throws Exception {
    String cookie = signIn();
    HttpResponse<String> overview = get(dashboard, "/", "Cookie", cookie);
    assertThat(overview.statusCode()).isEqualTo(200);
    assertThat(overview.body()).contains("Queues", "Orchestrators", "backlog");
    HttpResponse<String> bearer = get(dashboard, "/executions", "Authorization", "Bearer " + TOKEN);
    assertThat(bearer.statusCode()).isEqualTo(200);
    assertThat(bearer.body()).contains(scenario.greets.getLast());
  }

  @Test
  void badFiltersAndUnknownExecutionsGetClearErrors() throws Exception {
    String cookie = signIn();
    HttpResponse<String> badState = get(dashboard, "/executions?state=sleeping", "Cookie", cookie);
    assertThat(badState.statusCode()).isEqualTo(400);
    assertThat(badState.body()).contains("Unknown state 'sleeping'").doesNotContain("at dev.");
    HttpResponse<String> badTime = get(dashboard, "/executions?since=yesterday", "Cookie", cookie);
    assertThat(badTime.statusCode()).isEqualTo(400);
    assertThat(badTime.body()).contains("is not a time");
    HttpResponse<String> future =
        get(dashboard, "/executions?since=2999-01-01T00:00", "Cookie", cookie);
    assertThat(future.statusCode()).isEqualTo(200);
    assertThat(future.body()).contains("No execution matches these filters.");
    HttpResponse<String> badCursor = get(dashboard, "/executions?after=x", "Cookie", cookie);
    assertThat(badCursor.statusCode()).isEqualTo(400);
    assertThat(get(dashboard, "/executions/not-an-id", "Cookie", cookie).statusCode())
        .isEqualTo(400);
    HttpResponse<String> unknown =
        get(dashboard, "/executions/00000000-0000-0000-0000-000000000000", "Cookie", cookie);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("There is no execution");
    assertThat(get(dashboard, "/nothing-here", "Cookie", cookie).statusCode()).isEqualTo(404);
  }

  @Test
  void actionsNeedTheSessionsFormTokenAndTheSameOrigin() throws Exception {
    String cookie = signIn();
    String id = scenario.backlog.getFirst();
    String token = csrf(cookie, "/executions/" + id);
    String origin = "http://127.0.0.1:" + dashboard.port();
    // no form token: refused, and nothing happened
    HttpResponse<String> noToken =
        post(dashboard, "/executions/" + id + "/cancel", "", "Cookie", cookie, "Origin", origin);
    assertThat(noToken.statusCode()).isEqualTo(403);
    // a token of another session: refused
    String other = csrf(signIn(), "/executions/" + id);
    assertThat(
            post(dashboard, "/executions/" + id + "/cancel", "csrf=" + other, "Cookie", cookie)
                .statusCode())
        .isEqualTo(403);
    // the right token, from another site: refused
    HttpResponse<String> crossSite =
        post(
            dashboard,
            "/executions/" + id + "/cancel",
            "csrf=" + token,
            "Cookie",
            cookie,
            "Origin",
            "https://evil.example");
    assertThat(crossSite.statusCode()).isEqualTo(403);
    assertThat(crossSite.body()).contains("another site");
    assertThat(scenario.conductor.getExecution(id).orElseThrow().state().name())
        .isEqualTo("PENDING");
    // the right token from the dashboard's own page: done
    HttpResponse<String> done =
        post(
            dashboard,
            "/executions/" + id + "/cancel",
            "csrf=" + token,
            "Cookie",
            cookie,
            "Origin",
            origin);
    assertThat(done.statusCode()).isEqualTo(303);
    // an execution that is not running fails at once with the reason (Conductor.cancel)
    var cancelled = scenario.conductor.getExecution(id).orElseThrow();
    assertThat(cancelled.state().name()).isEqualTo("FAILED");
    assertThat(cancelled.lastError()).contains("Cancelled from the dashboard");
    // cancelling it again: a clear conflict
    HttpResponse<String> again =
        post(
            dashboard,
            "/executions/" + id + "/cancel",
            "csrf=" + token,
            "Cookie",
            cookie,
            "Origin",
            origin);
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.body()).contains("already finished");
  }

  @Test
  void aReadOnlyDashboardOffersNoActionsAndRefusesThem() throws Exception {
    String id = scenario.explodes.getFirst();
    HttpResponse<String> page = get(readOnly, "/executions/" + id);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("boom for").doesNotContain("id=\"retry\"");
    String cookie = page.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    Matcher m = Pattern.compile("name=\"csrf\"").matcher(page.body());
    assertThat(m.find()).isFalse();
    HttpResponse<String> retry =
        post(readOnly, "/executions/" + id + "/retry", "csrf=anything", "Cookie", cookie);
    assertThat(retry.statusCode()).isEqualTo(403);
    assertThat(retry.body()).contains("read-only");
  }

  @Test
  void otherMachinesCannotReachADashboardWithoutCredentials() {
    assertThatThrownBy(() -> Dashboard.builder(db.dataSource()).host("0.0.0.0").port(0).start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("set a token or an authenticator");
  }

  @Test
  void aPluggableAuthenticatorDecidesEveryRequest() throws Exception {
    try (Dashboard guarded =
        Dashboard.builder(db.dataSource())
            .port(0)
            .authenticator(request -> "ops".equals(request.header("X-Group")))
            .start()) {
      assertThat(get(guarded, "/").statusCode()).isEqualTo(401);
      assertThat(get(guarded, "/", "X-Group", "dev").statusCode()).isEqualTo(401);
      assertThat(get(guarded, "/", "X-Group", "ops").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void underABasePathEveryLinkAndFileCarriesIt() throws Exception {
    try (Dashboard proxied =
        Dashboard.builder(db.dataSource()).port(0).basePath("/ops/pgc").start()) {
      assertThat(proxied.url()).endsWith("/ops/pgc/");
      HttpResponse<String> overview = get(proxied, "/");
      assertThat(overview.statusCode()).isEqualTo(200);
      assertThat(overview.body())
          .contains("href=\"/ops/pgc/executions\"", "sse-connect=\"/ops/pgc/live\"");
      Matcher scripts = Pattern.compile("src=\"(/ops/pgc/[^\"]+)\"").matcher(overview.body());
      int found = 0;
      while (scripts.find()) {
        URI script = URI.create(proxied.url()).resolve(scripts.group(1));
        HttpResponse<String> file =
            http.send(HttpRequest.newBuilder(script).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(file.statusCode()).as(script.toString()).isEqualTo(200);
        found++;
      }
      assertThat(found).isEqualTo(4); // htmx, its SSE extension, uPlot, the dashboard's own
    }
  }
}
