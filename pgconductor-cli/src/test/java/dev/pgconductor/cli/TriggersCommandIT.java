package dev.pgconductor.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.testing.PgDatabaseExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** triggers list and triggers apply, on triggers an orchestrator registered. */
class TriggersCommandIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final TaskDefinition<JsonNode, Void> WELCOME =
      TaskDefinition.of("welcome-contact", JsonNode.class);

  @Test
  void listShowsWhatIsRegisteredAndApplyRemakesAMissingTrigger() {
    CliRunner cli = CliRunner.withDatabase(db.url());
    db.installSchema();
    var empty = cli.run("triggers", "list");
    assertThat(empty.exitCode()).as(empty.toString()).isZero();
    assertThat(empty.out()).contains("No row-change trigger is registered.");

    db.execute("create table public.contacts (id bigint primary key, email text)");
    try (var conductor = db.conductor(TaskSchemas.of(WELCOME)).build()) {
      var welcome =
          conductor.createTask(
              TaskOptions.of(WELCOME),
              Trigger.onInsert("public", "contacts").columns("id", "email").when("new.id > 0"),
              (event, ctx) -> null);
      try (var orchestrator =
          Orchestrator.builder(conductor).tasks(welcome).handleSignals(false).build()) {
        orchestrator.start(); // registers and installs the trigger
      }
    }
    var listed = cli.run("triggers", "list");
    assertThat(listed.exitCode()).as(listed.toString()).isZero();
    assertThat(listed.out())
        .contains("public.contacts", "insert", "welcome-contact", "id, email", "new.id > 0")
        .contains("installed");

    // someone dropped it: listed as pending until apply makes it again
    String trigger =
        cli.run("triggers", "list", "--json").json().at("/triggers/0/triggerName").asText();
    db.execute("drop trigger \"" + trigger + "\" on public.contacts");
    assertThat(cli.run("triggers", "list").out()).contains("pending");
    var applied = cli.run("triggers", "apply", "--json");
    assertThat(applied.exitCode()).as(applied.toString()).isZero();
    JsonNode action = applied.json().at("/applied/0");
    assertThat(action.get("action").asText()).isEqualTo("created");
    assertThat(action.get("trigger").asText()).isEqualTo(trigger);
    assertThat(action.get("table").asText()).isEqualTo("public.contacts");
    assertThat(action.get("task").asText()).isEqualTo("welcome-contact");
    assertThat(cli.run("triggers", "list", "--json").json().at("/triggers/0/installed").asBoolean())
        .isTrue();
    assertThat(cli.run("triggers", "apply").out())
        .contains("Every row-change trigger is in place.");

    // and the trigger works: an insert creates an execution
    db.execute("insert into public.contacts values (1, 'ada@example.com')");
    assertThat(db.queryLong("select count(*) from pgconductor.executions")).isEqualTo(1);
  }
}
