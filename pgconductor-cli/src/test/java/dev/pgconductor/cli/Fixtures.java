package dev.pgconductor.cli;

import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskSchemas;
import java.net.URI;
import java.time.Duration;

/** Tasks and helpers the command tests share. */
final class Fixtures {
  private Fixtures() {}

  record Greet(String name) {}

  record Greeting(String text) {}

  static final TaskDefinition<Greet, Greeting> GREET =
      TaskDefinition.of("greet", Greet.class, Greeting.class);
  static final TaskDefinition<Greet, Void> EXPLODE = TaskDefinition.of("explode", Greet.class);
  static final TaskDefinition<Greet, String> PARENT =
      TaskDefinition.of("parent", Greet.class, String.class);
  static final TaskDefinition<Greet, Greeting> CHILD =
      TaskDefinition.of("child", Greet.class, Greeting.class);
  static final TaskDefinition<Greet, Void> BACKLOG =
      TaskDefinition.of("backlog", Greet.class).onQueue("backlog");

  static final TaskSchemas SCHEMAS = TaskSchemas.of(GREET, EXPLODE, PARENT, CHILD, BACKLOG);

  static final Duration PARENT_SLEEP = Duration.ofHours(1);

  /** A JDBC URL of the tests ({@code jdbc:postgresql://host:port/db?user=u}) as postgres://. */
  static String libpqUrl(String jdbcUrl) {
    URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
    String user = null;
    String password = null;
    if (uri.getQuery() != null) {
      for (String param : uri.getQuery().split("&")) {
        String[] kv = param.split("=", 2);
        if (kv[0].equals("user")) {
          user = kv[1];
        } else if (kv[0].equals("password")) {
          password = kv[1];
        }
      }
    }
    String auth = user == null ? "" : user + (password == null ? "" : ":" + password) + "@";
    return "postgres://" + auth + uri.getHost() + ":" + uri.getPort() + uri.getPath();
  }

  /** A database URL where nothing listens. */
  static final String UNREACHABLE = "postgres://postgres@127.0.0.1:1/nothing";
}
