package dev.pgconductor.examples.spring;

import dev.pgconductor.examples.spring.WelcomeTasks.Welcome;
import dev.pgconductor.spring.ConductorTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Signs users up: the user's row and its welcome mail commit or roll back together. */
@Service
public class SignupService {
  private final JdbcTemplate jdbc;
  private final ConductorTemplate conductor;

  /** The service on the application's JdbcTemplate and the starter's ConductorTemplate. */
  public SignupService(JdbcTemplate jdbc, ConductorTemplate conductor) {
    this.jdbc = jdbc;
    this.conductor = conductor;
  }

  // tag::transactional[]
  /** Stores the user and invokes the welcome mail; returns the mail's execution id. */
  @Transactional
  public String signUp(String userId, String email) {
    jdbc.update("insert into users (id, email) values (?, ?)", userId, email);
    // written on this transaction's connection: no mail for a sign-up that rolls back
    String executionId =
        conductor.invoke(WelcomeTasks.WELCOME, new Welcome(userId, email)).orElseThrow();
    if (email.endsWith("@example.invalid")) {
      throw new IllegalArgumentException("cannot mail " + email); // rolls back row and invoke
    }
    return executionId;
  }
  // end::transactional[]
}
