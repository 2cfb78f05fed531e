package dev.pgconductor.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/**
 * {@code pgconductor dashboard} serves the dashboard of the database until stopped. The class's
 * database has no schema until the second test installs it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardCommandIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  @Test
  @Order(2)
  void servesTheDashboardWithTheTokenFromTheEnvironmentUntilStopped() throws Exception {
    db.installSchema();
    StringWriter out = new StringWriter();
    CommandLine cli =
        Main.commandLine(
            new CliEnvironment(
                Map.of("DATABASE_URL", db.url(), "PGCONDUCTOR_DASHBOARD_TOKEN", "t0k3n")::get,
                Clock.systemUTC(),
                false));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(new StringWriter(), true));
    AtomicInteger exit = new AtomicInteger(-1);
    Thread running =
        Thread.ofPlatform().start(() -> exit.set(cli.execute("dashboard", "--port", "0")));
    Pattern address = Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+/)");
    await().atMost(Duration.ofSeconds(30)).until(() -> address.matcher(out.toString()).find());
    Matcher m = address.matcher(out.toString());
    assertThat(m.find()).isTrue();
    assertThat(out.toString()).contains("Read-only").doesNotContain("t0k3n");
    HttpClient http = HttpClient.newHttpClient();
    URI overview = URI.create(m.group(1));
    assertThat(
            http.send(
                    HttpRequest.newBuilder(overview).build(), HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(401);
    HttpResponse<String> page =
        http.send(
            HttpRequest.newBuilder(overview).header("Authorization", "Bearer t0k3n").build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("Orchestrators");
    running.interrupt();
    running.join(Duration.ofSeconds(30));
    assertThat(exit.get()).isZero();
  }

  @Test
  @Order(1)
  void refusesADatabaseWithoutTheSchema() {
    var result = CliRunner.withDatabase(db.url()).run("dashboard", "--port", "0");
    assertThat(result.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(result.err()).contains("schema is not installed");
  }

  @Test
  @Order(3)
  void refusesToListenBeyondThisMachineWithoutAToken() {
    db.installSchema();
    var result =
        CliRunner.withDatabase(db.url()).run("dashboard", "--host", "0.0.0.0", "--port", "0");
    assertThat(result.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(result.err()).contains("set a token or an authenticator");
  }
}
