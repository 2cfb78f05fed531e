package dev.pgconductor.dashboard;

import static org.awaitility.Awaitility.await;

import dev.pgconductor.Conductor;
import dev.pgconductor.EventDefinition;
import dev.pgconductor.EventSchemas;
import dev.pgconductor.InvokeOptions;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.RetryPolicy;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A database where a running orchestrator did real work, for the dashboard's tests: completed
 * greets (one with a dedupe key, and enough of them for a second page), exploding executions that
 * failed for good, a flaky one waiting for its next attempt, a parent sleeping after a step and a
 * child, executions pending on a queue nobody serves, a cron schedule, an event subscription and a
 * row-change trigger.
 */
final class Scenario implements AutoCloseable {
  record Greet(String name) {}

  record Greeting(String text) {}

  record Contact(long id, String email) {}

  static final TaskDefinition<Greet, Greeting> GREET =
      TaskDefinition.of("greet", Greet.class, Greeting.class);
  static final TaskDefinition<Greet, Void> EXPLODE = TaskDefinition.of("explode", Greet.class);
  static final TaskDefinition<Greet, Void> FLAKY = TaskDefinition.of("flaky", Greet.class);
  static final TaskDefinition<Greet, String> PARENT =
      TaskDefinition.of("parent", Greet.class, String.class);
  static final TaskDefinition<Greet, Greeting> CHILD =
      TaskDefinition.of("child", Greet.class, Greeting.class);
  static final TaskDefinition<Greet, Void> BACKLOG =
      TaskDefinition.of("backlog", Greet.class).onQueue("backlog");
  static final TaskDefinition<Greet, Void> NIGHTLY = TaskDefinition.of("nightly", Greet.class);
  static final TaskDefinition<Greet, Void> WELCOME = TaskDefinition.of("welcome", Greet.class);
  static final TaskDefinition<Contact, Void> CONTACT_ADDED =
      TaskDefinition.of("contact-added", Contact.class);
  static final EventDefinition<Greet> SIGNED_UP = EventDefinition.of("user.signed-up", Greet.class);

  /** Names whose explode no longer explodes: "the bug was fixed", so a retry completes. */
  static final Set<String> HEALED = ConcurrentHashMap.newKeySet();

  final Conductor<Void> conductor;
  final Orchestrator orchestrator;
  final List<String> greets = new ArrayList<>();
  final List<String> explodes = new ArrayList<>();
  final List<String> backlog = new ArrayList<>();
  final String flaky;
  final String parent;
  final String deduped;

  Scenario(PgDatabaseExtension db) {
    db.execute(
        "create table if not exists public.contacts (id bigint primary key, email text not null)");
    conductor =
        db.conductor(
                TaskSchemas.of(
                    GREET, EXPLODE, FLAKY, PARENT, CHILD, BACKLOG, NIGHTLY, WELCOME, CONTACT_ADDED))
            .events(EventSchemas.of(SIGNED_UP))
            .build();
    List<Task<?, ?>> tasks =
        List.of(
            conductor.createTask(
                TaskOptions.of(GREET),
                Trigger.invocable(),
                (event, ctx) -> new Greeting("Hello, " + event.payload().name())),
            conductor.createTask(
                TaskOptions.of(EXPLODE)
                    .maxAttempts(2)
                    .retry(RetryPolicy.fixed(Duration.ofMillis(10))),
                Trigger.invocable(),
                (event, ctx) -> {
                  if (!HEALED.contains(event.payload().name())) {
                    throw new IllegalStateException("boom for " + event.payload().name());
                  }
                  return null;
                }),
            conductor.createTask(
                TaskOptions.of(FLAKY).maxAttempts(5).retry(RetryPolicy.fixed(Duration.ofHours(1))),
                Trigger.invocable(),
                (event, ctx) -> {
                  throw new IllegalStateException("the payment service is down");
                }),
            conductor.createTask(
                TaskOptions.of(PARENT),
                Trigger.invocable(),
                (event, ctx) -> {
                  String name = event.payload().name();
                  String prepared = ctx.step("prepare", String.class, () -> "prepared " + name);
                  Greeting child = ctx.invoke("charge", CHILD, new Greet(name));
                  ctx.sleep("cool-off", Duration.ofHours(1));
                  return prepared + ", " + child.text();
                }),
            conductor.createTask(
                TaskOptions.of(CHILD),
                Trigger.invocable(),
                (event, ctx) -> new Greeting("child of " + event.payload().name())),
            conductor.createTask(
                TaskOptions.of(NIGHTLY),
                Trigger.cron("0 3 * * *", "nightly"),
                (event, ctx) -> null),
            conductor.createTask(
                TaskOptions.of(WELCOME), Trigger.event(SIGNED_UP), (event, ctx) -> null),
            conductor.createTask(
                TaskOptions.of(CONTACT_ADDED),
                Trigger.onInsert("public", "contacts"),
                (event, ctx) -> null));
    conductor.ensureInstalled();
    for (int i = 0; i < 55; i++) {
      greets.add(conductor.invoke(GREET, new Greet("guest " + i)).orElseThrow());
    }
    deduped =
        conductor
            .invoke(GREET, new Greet("order"), InvokeOptions.DEFAULT.withDedupeKey("order-42"))
            .orElseThrow();
    for (String name : List.of("x", "y")) {
      explodes.add(conductor.invoke(EXPLODE, new Greet(name)).orElseThrow());
    }
    flaky = conductor.invoke(FLAKY, new Greet("card")).orElseThrow();
    parent = conductor.invoke(PARENT, new Greet("p")).orElseThrow();
    for (String name : List.of("q1", "q2")) {
      backlog.add(conductor.invoke(BACKLOG, new Greet(name)).orElseThrow());
    }
    orchestrator =
        Orchestrator.builder(conductor)
            .tasks(tasks)
            .heartbeatInterval(Duration.ofSeconds(1))
            .handleSignals(false)
            .build();
    orchestrator.start();
    db.execute("insert into public.contacts values (1, 'ada@example.com')");
    conductor.emit(SIGNED_UP, new Greet("grace"));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                db.queryLong(
                            "select count(*) from pgconductor.finished_executions"
                                + " where task_key in ('greet', 'explode', 'child', 'welcome',"
                                + " 'contact-added')")
                        == 61
                    && db.queryLong(
                            "select count(*) from pgconductor.all_executions where state ="
                                + " 'waiting' and task_key = 'parent'")
                        == 1
                    && db.queryLong(
                            "select count(*) from pgconductor.executions where task_key = 'flaky'"
                                + " and last_error is not null and locked_by is null")
                        == 1);
  }

  @Override
  public void close() {
    orchestrator.close();
    conductor.close();
  }
}
