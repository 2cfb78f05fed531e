package dev.pgconductor.dashboard.internal;

import dev.pgconductor.Conductor;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.PgConductorException;
import dev.pgconductor.dashboard.query.ExecutionDetail;
import dev.pgconductor.dashboard.query.ExecutionFilter;
import dev.pgconductor.dashboard.query.ExecutionPage;
import dev.pgconductor.dashboard.query.ExecutionQuery;
import dev.pgconductor.dashboard.query.RowTriggerQuery;
import dev.pgconductor.dashboard.query.TaskInfo;
import dev.pgconductor.dashboard.query.TaskQuery;
import dev.pgconductor.dashboard.query.TriggerQuery;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/** The pages: each reads what it shows with the queries and renders its template. */
final class Pages {
  private final DashboardSettings settings;
  private final Templates templates;
  private final Page.Assets assets;
  private final LiveUpdates live;
  private final Conductor<Void> conductor;
  private final ExecutionQuery executions;
  private final TaskQuery tasks;
  private final TriggerQuery triggers;
  private final RowTriggerQuery rowTriggers;

  Pages(
      DashboardSettings settings,
      Templates templates,
      Page.Assets assets,
      LiveUpdates live,
      Conductor<Void> conductor) {
    this.settings = settings;
    this.templates = templates;
    this.assets = assets;
    this.live = live;
    this.conductor = conductor;
    this.executions = new ExecutionQuery(settings.dataSource());
    this.tasks = new TaskQuery(settings.dataSource());
    this.triggers = new TriggerQuery(settings.dataSource());
    this.rowTriggers = new RowTriggerQuery(settings.dataSource());
  }

  void overview(Context ctx) {
    render(ctx, "overview.jte", page(ctx, "Overview", "overview"), "overview", live.overview());
  }

  /**
   * The executions list: filters from the query string, keyset pagination with {@code after}, and a
   * search box that opens an execution by id or lists those with a dedupe key.
   */
  void executions(Context ctx) {
    String search = blankToNull(ctx.queryParam("q"));
    if (search != null && isUuid(search)) {
      ctx.redirect(settings.basePath() + "/executions/" + search.strip().toLowerCase(Locale.ROOT));
      return;
    }
    ExecutionState state = state(ctx.queryParam("state"));
    String task = blankToNull(ctx.queryParam("task"));
    String queue = blankToNull(ctx.queryParam("queue"));
    Instant since = instant("since", ctx.queryParam("since"));
    Instant until = instant("until", ctx.queryParam("until"));
    String after = blankToNull(ctx.queryParam("after"));
    if (after != null && !isUuid(after)) {
      throw HttpProblem.badRequest("'" + after + "' is not a page cursor (an execution id).");
    }
    ExecutionFilter filter =
        new ExecutionFilter(
            task,
            queue,
            state,
            search == null ? null : search.strip(),
            since,
            until,
            after,
            ExecutionFilter.DEFAULT_LIMIT);
    ExecutionPage result = executions.list(filter);
    List<TaskInfo> known = tasks.list();
    ExecutionsView view =
        new ExecutionsView(
            result,
            state == null ? "" : View.state(state),
            nullToEmpty(task),
            nullToEmpty(queue),
            nullToEmpty(ctx.queryParam("since")),
            nullToEmpty(ctx.queryParam("until")),
            nullToEmpty(search),
            after != null,
            known.stream().map(TaskInfo::name).toList(),
            known.stream().map(TaskInfo::queue).collect(Collectors.toCollection(TreeSet::new)));
    render(ctx, "executions.jte", page(ctx, "Executions", "executions"), "view", view);
  }

  void execution(Context ctx) {
    String id = ctx.pathParam("id");
    if (!isUuid(id)) {
      throw HttpProblem.badRequest("'" + id + "' is not an execution id (a UUID).");
    }
    ExecutionDetail detail =
        executions
            .find(id)
            .orElseThrow(
                () ->
                    HttpProblem.notFound(
                        "There is no execution " + id + " (or it was removed by retention)."));
    render(
        ctx,
        "execution.jte",
        page(ctx, "Execution " + View.shortId(id), "executions"),
        "detail",
        detail);
  }

  void failed(Context ctx) {
    ExecutionPage failed =
        executions.list(
            new ExecutionFilter(null, null, ExecutionState.FAILED, null, null, null, null, 100));
    render(
        ctx,
        "failed.jte",
        page(ctx, "Failures", "failed"),
        "failed",
        failed,
        "retrying",
        executions.retrying(100));
  }

  void schedules(Context ctx) {
    render(
        ctx,
        "schedules.jte",
        page(ctx, "Schedules", "schedules"),
        "schedules",
        triggers.schedules());
  }

  void subscriptions(Context ctx) {
    render(
        ctx,
        "subscriptions.jte",
        page(ctx, "Event subscriptions", "events"),
        "subscriptions",
        triggers.subscriptions());
  }

  void triggers(Context ctx) {
    render(
        ctx,
        "triggers.jte",
        page(ctx, "Row-change triggers", "triggers"),
        "triggers",
        rowTriggers.list());
  }

  void retry(Context ctx) {
    String id = actionId(ctx);
    boolean done;
    try {
      done = conductor.retry(id);
    } catch (PgConductorException e) {
      throw new HttpProblem(409, "Could not retry execution " + id + ": " + e.getMessage());
    }
    if (!done) {
      throw new HttpProblem(
          409,
          executions
              .state(id)
              .map(
                  s ->
                      "Execution "
                          + id
                          + " is "
                          + View.state(s)
                          + ": only a failed or cancelled execution can be retried.")
              .orElse("There is no execution " + id + "."));
    }
    ctx.redirect(
        settings.basePath() + "/executions/" + id + "?notice=retried", HttpStatus.SEE_OTHER);
  }

  void cancel(Context ctx) {
    String id = actionId(ctx);
    if (!conductor.cancel(id, "Cancelled from the dashboard")) {
      throw new HttpProblem(
          409,
          executions
              .state(id)
              .map(s -> "Execution " + id + " is " + View.state(s) + ": it is already finished.")
              .orElse("There is no execution " + id + "."));
    }
    ctx.redirect(
        settings.basePath() + "/executions/" + id + "?notice=cancelled", HttpStatus.SEE_OTHER);
  }

  void error(Context ctx, int status, String message) {
    ctx.status(status);
    String title = status + " " + HttpStatus.forStatus(status).getMessage();
    if (ctx.header("Accept") != null && !ctx.header("Accept").contains("text/html")) {
      ctx.result(title + ": " + message);
      return;
    }
    ctx.html(
        templates.render(
            "error.jte",
            DashboardServer.params(
                "page", page(ctx, title, ""), "status", status, "message", message)));
  }

  private String actionId(Context ctx) {
    String id = ctx.pathParam("id");
    if (!isUuid(id)) {
      throw HttpProblem.badRequest("'" + id + "' is not an execution id (a UUID).");
    }
    return id.toLowerCase(Locale.ROOT);
  }

  private Page page(Context ctx, String title, String section) {
    Sessions.Session session = ctx.attribute(Security.SESSION_ATTRIBUTE);
    String notice =
        switch (nullToEmpty(ctx.queryParam("notice"))) {
          case "retried" -> "Retried: the execution is pending again, due now.";
          case "cancelled" ->
              "Cancel requested: the execution is cancelled (or stops at its next"
                  + " step if it is running).";
          default -> null;
        };
    return new Page(
        title,
        section,
        settings.basePath(),
        session == null ? "" : session.csrf,
        settings.allowActions(),
        assets,
        notice);
  }

  private void render(Context ctx, String template, Page page, Object... more) {
    Object[] all = new Object[more.length + 2];
    all[0] = "page";
    all[1] = page;
    System.arraycopy(more, 0, all, 2, more.length);
    Map<String, Object> params = DashboardServer.params(all);
    ctx.html(templates.render(template, params));
  }

  private static ExecutionState state(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      return ExecutionState.valueOf(value.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw HttpProblem.badRequest(
          "Unknown state '"
              + value
              + "': one of "
              + Arrays.stream(ExecutionState.values())
                  .map(View::state)
                  .collect(Collectors.joining(", "))
              + ".");
    }
  }

  /** An instant from a form: ISO-8601 with an offset, or a date and time (UTC) as browsers send. */
  private static Instant instant(String name, String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String v = value.strip();
    try {
      return Instant.parse(v);
    } catch (DateTimeParseException e) {
      try {
        return LocalDateTime.parse(v).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e2) {
        throw HttpProblem.badRequest(
            "'"
                + value
                + "' is not a time for '"
                + name
                + "': give a date and time such as 2026-01-31T14:00 (UTC).");
      }
    }
  }

  private static boolean isUuid(String value) {
    try {
      UUID.fromString(value.strip());
      return value.strip().length() == 36;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
