package dev.pgconductor.reliability.scenario;

import dev.pgconductor.Invocation;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.reliability.Scenario;
import dev.pgconductor.reliability.ScenarioRun;
import dev.pgconductor.reliability.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Scenario 9: names with quotes, semicolons and SQL in every entry point that reaches SQL. Step and
 * sleep names and dedupe keys must work as ordinary names and execute nothing (a canary table
 * survives, every name is recorded as given); task and queue names must be refused by the name rule
 * before anything is written.
 */
public final class SqlInNames implements Scenario {
  static final List<String> NAMES =
      List.of(
          "a'; drop table harness.canary; --",
          "\"; delete from pgconductor.executions; --",
          "$$; select pg_sleep(10); $$",
          "Robert'); DROP TABLE harness.canary;--",
          "\\'; truncate harness.step_runs; --",
          "name with \"double\" and 'single' quotes; and semicolons",
          "%s %n {0} ${x} :param ?");

  @Override
  public String name() {
    return "sql-names";
  }

  @Override
  public String description() {
    return "quotes, semicolons and SQL in task, queue, step and sleep names and dedupe keys";
  }

  @Override
  public void run(ScenarioRun run) throws Exception {
    run.exec("create table harness.canary (alive boolean)");
    run.exec("insert into harness.canary values (true)");
    int refused = 0;
    for (String name : NAMES) {
      try {
        TaskDefinition.of(name, Workload.Quick.class);
      } catch (IllegalArgumentException expected) {
        refused++;
      }
      try {
        Workload.QUICK.onQueue(name);
      } catch (IllegalArgumentException expected) {
        refused++;
      }
    }
    run.note(
        refused + " of " + NAMES.size() * 2 + " task and queue names refused by the name rule");
    run.startWorkers(1, false);
    run.invoke(Workload.NAMES, "quick", 5, i -> new Workload.Names(NAMES));
    // dedupe keys: each key twice, so the dedupe path runs with each of them
    List<Invocation<Workload.Quick>> deduped = new ArrayList<>();
    for (String key : NAMES) {
      deduped.add(Invocation.of(new Workload.Quick(0)).dedupeKey(key));
      deduped.add(Invocation.of(new Workload.Quick(0)).dedupeKey(key));
    }
    List<String> ids = run.conductor().invokeBatch(Workload.QUICK, deduped);
    run.recordInvokes(ids.stream().distinct().toList(), "quick");
    run.awaitFinished(Duration.ofSeconds(60), "quick");
    run.note(
        ids.stream().distinct().count()
            + " executions for "
            + NAMES.size()
            + " distinct dedupe keys invoked twice each");
    long names =
        run.queryLong(
            "select count(distinct step) from harness.step_runs where step = any(?::text[])",
            (Object) NAMES.toArray(String[]::new));
    run.note(names + " of " + NAMES.size() + " step names recorded as given");
    run.note(
        "canary "
            + (run.queryLong("select count(*) from harness.canary") == 1 ? "alive" : "GONE")
            + ", "
            + run.queryLong("select count(*) from pgconductor.all_executions")
            + " executions in the engine's tables");
  }
}
