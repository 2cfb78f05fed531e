package dev.pgconductor.examples.spring;

import dev.pgconductor.Conductor;
import dev.pgconductor.Execution;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** {@code POST /signups} signs a user up; {@code GET /executions/{id}} shows an execution. */
@RestController
public class SignupController {
  private final SignupService signups;
  private final Conductor<?> conductor;

  /** The controller. */
  public SignupController(SignupService signups, Conductor<?> conductor) {
    this.signups = signups;
    this.conductor = conductor;
  }

  /** A sign-up request. */
  public record Signup(String userId, String email) {}

  /** Signs up; answers 202 with the welcome mail's execution id. */
  @PostMapping("/signups")
  public ResponseEntity<Map<String, String>> signUp(@RequestBody Signup signup) {
    String id = signups.signUp(signup.userId(), signup.email());
    return ResponseEntity.accepted().body(Map.of("execution", id));
  }

  /** The state of an execution, or 404. */
  @GetMapping("/executions/{id}")
  public ResponseEntity<Map<String, Object>> execution(@PathVariable String id) {
    return conductor
        .getExecution(id)
        .map(SignupController::summary)
        .map(ResponseEntity::ok)
        .orElse(ResponseEntity.notFound().build());
  }

  /** A refused sign-up is a 400. */
  @ExceptionHandler(IllegalArgumentException.class)
  public ResponseEntity<Map<String, String>> refused(IllegalArgumentException e) {
    return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("error", e.getMessage()));
  }

  private static Map<String, Object> summary(Execution<?, ?> e) {
    return Map.of("id", e.id(), "task", e.taskName(), "state", e.state(), "attempts", e.attempts());
  }
}
