package dev.pgconductor.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application on pgconductor: a sign-up writes a user and invokes a welcome mail in
 * one transaction; the mail task runs in the application's orchestrator. Run it against a database
 * of yours ({@code spring.datasource.url}, see application.properties):
 *
 * <pre>
 * ./mvnw -pl pgconductor-spring-boot-example -am compile exec:java \
 *     -Dspring.datasource.url=jdbc:postgresql://localhost:5432/example?user=postgres
 * curl -X POST localhost:8080/signups -H 'content-type: application/json' \
 *     -d '{"userId":"ada","email":"ada@example.com"}'
 * curl localhost:8080/actuator/health/pgconductor
 * </pre>
 */
@SpringBootApplication
public class ExampleApplication {

  /** Starts the application. */
  public static void main(String[] args) {
    SpringApplication.run(ExampleApplication.class, args);
  }
}
