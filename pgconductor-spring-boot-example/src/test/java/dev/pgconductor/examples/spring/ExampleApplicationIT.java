package dev.pgconductor.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.testing.ClassDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.junit.jupiter.SpringExtension;

/**
 * The example application on a random port against Postgres: a sign-up over HTTP sends its welcome
 * mail through the orchestrator, a refused one sends none, and Actuator reports pgconductor.
 */
@ExtendWith({ClassDatabase.class, SpringExtension.class})
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"pgconductor.orchestrator.shutdown-grace=2s"})
@DirtiesContext
class ExampleApplicationIT {
  private static final Pattern EXECUTION = Pattern.compile("\"execution\":\"([0-9a-f-]+)\"");
  private final HttpClient http = HttpClient.newHttpClient();

  @DynamicPropertySource
  static void database(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> ClassDatabase.urlFor(ExampleApplicationIT.class));
  }

  @Value("${local.server.port}")
  int port;

  @Autowired Mailer mailer;
  @Autowired JdbcTemplate jdbc;

  @Test
  void aSignupSendsItsWelcomeMail() throws Exception {
    HttpResponse<String> created =
        post("/signups", "{\"userId\":\"ada\",\"email\":\"ada@example.com\"}");
    assertThat(created.statusCode()).isEqualTo(202);
    Matcher m = EXECUTION.matcher(created.body());
    assertThat(m.find()).as(created.body()).isTrue();
    String id = m.group(1);

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> assertThat(get("/executions/" + id).body()).contains("\"state\":\"COMPLETED\""));
    assertThat(mailer.sent()).contains(new Mailer.Mail("ada@example.com", "Welcome, ada"));
  }

  @Test
  void aRefusedSignupSendsNoMail() throws Exception {
    HttpResponse<String> refused =
        post("/signups", "{\"userId\":\"bob\",\"email\":\"bob@example.invalid\"}");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(jdbc.queryForObject("select count(*) from users where id = 'bob'", Long.class))
        .isZero();
    assertThat(
            jdbc.queryForObject(
                "select count(*) from pgconductor.all_executions where payload->>'userId' = 'bob'",
                Long.class))
        .isZero();
  }

  @Test
  void actuatorReportsPgconductor() throws Exception {
    HttpResponse<String> health = get("/actuator/health/pgconductor");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"status\":\"UP\"").contains("sinceHeartbeat");

    HttpResponse<String> endpoint = get("/actuator/pgconductor");
    assertThat(endpoint.statusCode()).isEqualTo(200);
    assertThat(endpoint.body())
        .contains("\"name\":\"mail\"")
        .contains("\"self\":true")
        .contains("\"sinceHeartbeat\":\"PT");
  }

  private HttpResponse<String> post(String path, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }
}
