package dev.pgconductor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/** install on an empty database, and what every command does when it cannot get in. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstallAndConnectionIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  @Test
  @Order(1)
  void commandsOnADatabaseWithoutTheSchemaSaySoAndExitWithOne() {
    var cli = CliRunner.withDatabase(db.url());
    for (String[] args :
        new String[][] {
          {"status"},
          {"executions", "list"},
          {"invoke", "greet"},
          {"executions", "show", "0190f3a2-5c1e-7d4b-9a61-3f0e2b7c8d15"}
        }) {
      var result = cli.run(args);
      assertThat(result.exitCode()).as(String.join(" ", args)).isEqualTo(ExitCodes.REQUEST);
      assertThat(result.err())
          .isEqualTo(
              "pgconductor: the pgconductor schema is not installed in this database (run"
                  + " `pgconductor install`)\n");
    }
  }

  @Test
  @Order(2)
  void installAppliesTheMigrationsOnceAndThenHasNothingToDo() {
    var cli = CliRunner.withDatabase(Fixtures.libpqUrl(db.url()));
    var first = cli.run("install");
    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(first.out())
        .isEqualTo(
            "Installed the pgconductor schema to version 1, applying:\n  V001__baseline.sql\n");
    var second = cli.run("install");
    assertThat(second.out()).isEqualTo("The pgconductor schema is up to date (version 1).\n");
    var json = cli.run("install", "--json").json();
    assertThat(json.get("version").asInt()).isEqualTo(1);
    assertThat(json.get("previousVersion").asInt()).isEqualTo(1);
    assertThat(json.get("applied")).isEmpty();
    assertThat(cli.run("status").exitCode()).isZero();
  }

  @Test
  void anUnreachableDatabaseExitsWithThreeQuicklyAndWithoutAStackTrace() {
    var cli = new CliRunner(Map.of("DATABASE_URL", Fixtures.UNREACHABLE));
    for (String[] args :
        new String[][] {
          {"status"},
          {"install"},
          {"executions", "list"},
          {"executions", "show", "0190f3a2-5c1e-7d4b-9a61-3f0e2b7c8d15"},
          {"retry", "0190f3a2-5c1e-7d4b-9a61-3f0e2b7c8d15"},
          {"cancel", "0190f3a2-5c1e-7d4b-9a61-3f0e2b7c8d15"},
          {"invoke", "greet"},
          {"gen", "records", "--package", "a.b", "--out", "target/never"}
        }) {
      long start = System.nanoTime();
      var result = cli.run(args);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.DATABASE);
      assertThat(took).isLessThan(Duration.ofSeconds(5));
      assertThat(result.err())
          .startsWith(
              "pgconductor: cannot connect to the database at postgres://postgres@127.0.0.1:1/nothing:")
          .contains("refused")
          .doesNotContain("\tat ");
    }
    var verbose = cli.run("status", "--verbose");
    assertThat(verbose.exitCode()).isEqualTo(ExitCodes.DATABASE);
    assertThat(verbose.err()).contains("\tat ", "ConnectException");
  }

  @Test
  void aMissingDatabaseOrAWrongPasswordIsAConnectionFailureWithTheUrlMasked() {
    String missing = db.url().replaceFirst("/pgc_test_[^?]+", "/no_such_database");
    var result = CliRunner.withDatabase(missing).run("status");
    assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.DATABASE);
    assertThat(result.err()).contains("no_such_database");

    var masked =
        CliRunner.withoutEnvironment()
            .run("status", "--url", "postgres://someone:secret@127.0.0.1:1/x");
    assertThat(masked.exitCode()).isEqualTo(ExitCodes.DATABASE);
    assertThat(masked.err())
        .contains("postgres://someone:****@127.0.0.1:1/x")
        .doesNotContain("secret");
  }

  @Test
  void aUrlInNeitherFormIsARequestError() {
    var result = CliRunner.withoutEnvironment().run("status", "--url", "mysql://localhost/x");
    assertThat(result.exitCode()).isEqualTo(ExitCodes.REQUEST);
    assertThat(result.err())
        .isEqualTo(
            "pgconductor: a database URL starts with postgres://, postgresql:// or"
                + " jdbc:postgresql:, got 'mysql://localhost/x'\n");
  }
}
