package dev.pgconductor.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.pgconductor.Conductor;
import dev.pgconductor.EventDefinition;
import dev.pgconductor.EventSchemas;
import dev.pgconductor.Execution;
import dev.pgconductor.Invocation;
import dev.pgconductor.InvokeOptions;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.Trigger;
import dev.pgconductor.Worker;
import dev.pgconductor.WorkerConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.IntStream;

/**
 * The demo: a few thousand executions of six tasks on two queues, some failing on purpose, one of
 * them a durable workflow with child executions and a sleep, with a live summary and the final
 * state read back from Postgres.
 *
 * <p>Uses the database in {@code DATABASE_URL} ({@code postgres://…} or {@code
 * jdbc:postgresql://…}) when set, else starts an embedded Postgres for the run. Run it with {@code
 * ./mvnw -q -pl pgconductor-examples -am package -DskipTests exec:exec}.
 */
public final class Demo {
  record Email(String to, String subject) {}

  record Resize(String imageId, int width) {}

  record Thumbnail(String imageId, int width, int bytes) {}

  record Charge(String orderId, long cents) {}

  record Receipt(String orderId, String reference) {}

  record CsvRow(int line, String text) {}

  record Digest(String week, int articles) {}

  record Signup(String userId, String email) {}

  static final TaskDefinition<Email, Void> SEND_EMAIL =
      TaskDefinition.of("send-email", Email.class);
  static final TaskDefinition<Resize, Thumbnail> RESIZE_IMAGE =
      TaskDefinition.of("resize-image", Resize.class, Thumbnail.class).onQueue("images");
  static final TaskDefinition<Charge, Receipt> CHARGE_CARD =
      TaskDefinition.of("charge-card", Charge.class, Receipt.class);
  static final TaskDefinition<CsvRow, Void> IMPORT_ROW =
      TaskDefinition.of("import-row", CsvRow.class);
  static final TaskDefinition<Digest, Void> WEEKLY_DIGEST =
      TaskDefinition.of("weekly-digest", Digest.class);
  static final TaskDefinition<Signup, String> ONBOARD_USER =
      TaskDefinition.of("onboard-user", Signup.class, String.class);
  static final TaskDefinition<Void, Void> HEALTH_REPORT = TaskDefinition.of("health-report");
  static final TaskDefinition<Signup, Void> CRM_SYNC = TaskDefinition.of("crm-sync", Signup.class);

  record SalesLead(String email) {}

  static final TaskDefinition<SalesLead, Void> NOTIFY_SALES =
      TaskDefinition.of("notify-sales", SalesLead.class);

  /** Emitted by each onboard-user workflow when it is done; two tasks subscribe. */
  static final EventDefinition<Signup> USER_ONBOARDED =
      EventDefinition.of("user.onboarded", Signup.class);

  private static final int EMAILS = 2000;
  private static final int IMAGES = 400;
  private static final int CHARGES = 300;
  private static final int ROWS = 500;
  private static final int SIGNUPS = 200;
  private static final Duration TIMEOUT = Duration.ofMinutes(3);

  private final Conductor<Void> conductor;
  private final HikariDataSource pool;
  private Timestamp since;

  private Demo(HikariDataSource pool) {
    this.pool = pool;
    this.conductor =
        Conductor.builder()
            .dataSource(pool)
            .tasks(
                TaskSchemas.of(
                    SEND_EMAIL,
                    RESIZE_IMAGE,
                    CHARGE_CARD,
                    IMPORT_ROW,
                    WEEKLY_DIGEST,
                    ONBOARD_USER,
                    HEALTH_REPORT,
                    CRM_SYNC,
                    NOTIFY_SALES))
            .events(EventSchemas.of(USER_ONBOARDED))
            .build();
  }

  public static void main(String[] args) {
    int status;
    try {
      status = runWithDatabase(System.getenv("DATABASE_URL"));
    } catch (Exception e) {
      System.err.println("Demo failed: " + e);
      e.printStackTrace();
      status = 1;
    }
    if (status != 0) {
      System.exit(status);
    }
  }

  private static int runWithDatabase(String databaseUrl) throws Exception {
    if (databaseUrl != null && !databaseUrl.isBlank()) {
      System.out.println("Using the database in DATABASE_URL");
      return runOn(jdbcUrl(databaseUrl.strip()));
    }
    System.out.println("DATABASE_URL is not set: starting an embedded Postgres for this run");
    try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
      System.out.println("Embedded Postgres listening on port " + postgres.getPort());
      return runOn(postgres.getJdbcUrl("postgres", "postgres"));
    }
  }

  private static int runOn(String jdbcUrl) throws Exception {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    config.setPoolName("demo");
    config.setMaximumPoolSize(10);
    try (HikariDataSource pool = new HikariDataSource(config)) {
      Demo demo = new Demo(pool);
      try {
        return demo.run();
      } finally {
        demo.conductor.close();
      }
    }
  }

  private int run() throws Exception {
    conductor.ensureInstalled();
    Orchestrator orchestrator = orchestrator();
    orchestrator.start();
    since = databaseNow();
    System.out.printf(
        "Invoking %,d executions while the orchestrator runs; the onboard-user workflows add"
            + " %d child executions.%n"
            + "Each workflow ends by emitting user.onboarded, which two tasks subscribe to, and"
            + " health-report runs every 5 s on a cron schedule.%n"
            + "About 1 in 10 charge-card executions fails on its first attempt and is retried"
            + " after the 15 s backoff,%nso the run takes about 20 seconds.%n%n",
        EMAILS + IMAGES + CHARGES + ROWS + 1 + SIGNUPS, 2 * SIGNUPS);
    long startNanos = System.nanoTime();
    try (ExecutorService producer = Executors.newVirtualThreadPerTaskExecutor()) {
      Future<Ids> ids = producer.submit(this::invokeAll);
      if (!watchUntilDone(startNanos, ids)) {
        System.out.println("Not finished after " + TIMEOUT + "; giving up.");
        return 1;
      }
      printFinalState(ids.get(), Duration.ofNanos(System.nanoTime() - startNanos));
    } finally {
      orchestrator.stop().join();
    }
    System.out.println("\nOrchestrator stopped cleanly: " + orchestrator.info());
    return 0;
  }

  private Orchestrator orchestrator() {
    Task<Email, Void> sendEmail =
        conductor.createTask(
            TaskOptions.of(SEND_EMAIL),
            Trigger.invocable(),
            (event, ctx) -> {
              Thread.sleep(ThreadLocalRandom.current().nextInt(1, 4)); // the mail server's answer
              return null;
            });
    Task<Resize, Thumbnail> resizeImage =
        conductor.createTask(
            TaskOptions.of(RESIZE_IMAGE),
            Trigger.invocable(),
            (event, ctx) -> {
              Thread.sleep(10); // pretend to scale an image
              Resize r = event.payload();
              return new Thumbnail(r.imageId(), r.width(), r.width() * r.width() / 10);
            });
    Task<Charge, Receipt> chargeCard =
        conductor.createTask(
            TaskOptions.of(CHARGE_CARD).maxAttempts(3),
            Trigger.invocable(),
            (event, ctx) -> {
              Charge c = event.payload();
              if (c.cents() % 10 == 0 && ctx.attempt() == 1) {
                throw new IllegalStateException(
                    "payment gateway timed out for " + c.orderId() + " (simulated)");
              }
              return new Receipt(c.orderId(), "rcpt-" + c.orderId() + "-" + ctx.attempt());
            });
    Task<CsvRow, Void> importRow =
        conductor.createTask(
            TaskOptions.of(IMPORT_ROW).maxAttempts(1),
            Trigger.invocable(),
            (event, ctx) -> {
              CsvRow row = event.payload();
              if (row.text().split(",").length != 3) {
                throw new IllegalArgumentException(
                    "line " + row.line() + ": expected 3 columns in '" + row.text() + "'");
              }
              return null;
            });
    Task<Digest, Void> weeklyDigest =
        conductor.createTask(TaskOptions.of(WEEKLY_DIGEST), Trigger.invocable(), (e, ctx) -> null);
    // A durable workflow: a step, two child executions and a sleep that frees the worker slot.
    Task<Signup, String> onboardUser =
        conductor.createTask(
            TaskOptions.of(ONBOARD_USER),
            Trigger.invocable(),
            (event, ctx) -> {
              Signup s = event.payload();
              String account = ctx.step("create-account", String.class, () -> "acct-" + s.userId());
              ctx.invoke("welcome-mail", SEND_EMAIL, new Email(s.email(), "Welcome"));
              ctx.sleep("before-tips", Duration.ofSeconds(3));
              ctx.invoke("tips-mail", SEND_EMAIL, new Email(s.email(), "Tips"));
              ctx.emit("onboarded", USER_ONBOARDED, s); // memoized like a step
              return account;
            });
    // A cron schedule (six fields: every 5 seconds) and two subscribers of one event.
    Task<Void, Void> healthReport =
        conductor.createTask(
            TaskOptions.of(HEALTH_REPORT),
            Trigger.cron("0/5 * * * * *", "every-5s"),
            (event, ctx) -> null);
    Task<Signup, Void> crmSync =
        conductor.createTask(
            TaskOptions.of(CRM_SYNC), Trigger.event(USER_ONBOARDED), (event, ctx) -> null);
    Task<SalesLead, Void> notifySales =
        conductor.createTask(
            TaskOptions.of(NOTIFY_SALES),
            // only the e-mail, and only for users whose id starts with u1 (u1, u10..u19, u100..)
            Trigger.event(USER_ONBOARDED).fields("email").when("payload->>'userId' like 'u1%'"),
            (event, ctx) -> null);

    // Images get a worker of their own: few at a time, so they never crowd out the rest.
    Worker images =
        conductor.createWorker(
            "images",
            List.of(resizeImage),
            WorkerConfig.builder()
                .concurrency(4)
                .fetchBatchSize(4)
                .flushInterval(Duration.ofMillis(250))
                .build());
    return Orchestrator.builder(conductor)
        .tasks(
            sendEmail,
            chargeCard,
            importRow,
            weeklyDigest,
            onboardUser,
            healthReport,
            crmSync,
            notifySales)
        .defaultWorker(
            WorkerConfig.builder()
                .concurrency(50)
                .fetchBatchSize(50)
                .pollInterval(Duration.ofMillis(500))
                .flushInterval(Duration.ofMillis(250))
                .build())
        .workers(images)
        .build();
  }

  /** Ids kept to read back at the end. */
  private record Ids(
      String retriedCharge, String failedRow, String digest, String digestAgain, String signup) {}

  private Ids invokeAll() {
    // send-email: invokeBatch, 500 per round trip; password resets jump the queue
    for (int from = 0; from < EMAILS; from += 500) {
      List<Invocation<Email>> batch = new ArrayList<>();
      for (int i = from; i < from + 500; i++) {
        Email email = new Email("user" + i + "@example.com", i % 40 == 0 ? "Reset" : "Newsletter");
        batch.add(Invocation.of(email).priority(email.subject().equals("Reset") ? 10 : 0));
      }
      conductor.invokeBatch(SEND_EMAIL, batch);
    }
    // resize-image and charge-card: one invoke each, as a web request would do it
    for (int i = 0; i < IMAGES; i++) {
      conductor.invoke(RESIZE_IMAGE, new Resize("img-" + i, 64 + (i % 4) * 64));
    }
    String retriedCharge = null;
    for (int i = 0; i < CHARGES; i++) {
      String id = conductor.invoke(CHARGE_CARD, new Charge("order-" + i, 1000L + i)).orElseThrow();
      if (i == 10) {
        retriedCharge = id; // 1010 cents: fails once, then succeeds
      }
    }
    // import-row: one attempt only; every 50th line is malformed and fails for good
    List<Invocation<CsvRow>> rows =
        IntStream.range(0, ROWS)
            .mapToObj(i -> new CsvRow(i + 1, i % 50 == 49 ? "broken line " + i : i + ",name,42"))
            .map(Invocation::of)
            .toList();
    List<String> rowIds = conductor.invokeBatch(IMPORT_ROW, rows);
    // onboard-user: each sends two mails as child executions, 3 s apart
    List<String> signupIds =
        conductor.invokeBatch(
            ONBOARD_USER,
            IntStream.range(0, SIGNUPS)
                .mapToObj(i -> Invocation.of(new Signup("u" + i, "new" + i + "@example.com")))
                .toList());
    // weekly-digest: due in 2 s; the second invoke with the same dedupe key replaces the first's
    // payload and returns the same id, because the execution has not started yet
    InvokeOptions digestOptions =
        InvokeOptions.builder()
            .dedupeKey("digest-2025-w48")
            .runAt(Instant.now().plusSeconds(2))
            .build();
    String digest =
        conductor.invoke(WEEKLY_DIGEST, new Digest("2025-W48", 12), digestOptions).orElseThrow();
    String again =
        conductor.invoke(WEEKLY_DIGEST, new Digest("2025-W48", 13), digestOptions).orElseThrow();
    return new Ids(retriedCharge, rowIds.get(49), digest, again, signupIds.getFirst());
  }

  private boolean watchUntilDone(long startNanos, Future<Ids> producer)
      throws SQLException, InterruptedException, ExecutionException {
    long deadline = startNanos + TIMEOUT.toNanos();
    long previousFinished = 0;
    long previousNanos = startNanos;
    boolean announcedRetries = false;
    while (System.nanoTime() < deadline) {
      Thread.sleep(1000);
      boolean allInvoked = producer.isDone();
      if (allInvoked) {
        producer.get(); // rethrows what went wrong while invoking
      }
      Counts c = counts();
      long now = System.nanoTime();
      double perSecond = (c.finished() - previousFinished) / ((now - previousNanos) / 1e9);
      previousFinished = c.finished();
      previousNanos = now;
      System.out.printf(
          "[%4.1fs] executions %5d | completed %5d | failed %3d | retrying %3d | waiting %3d |"
              + " running %3d | pending %5d | %,6.0f done/s%n",
          (now - startNanos) / 1e9,
          c.finished() + c.active(),
          c.completed(),
          c.failed(),
          c.retrying(),
          c.waiting(),
          c.running(),
          c.pending(),
          perSecond);
      if (allInvoked && c.active() == 0) {
        return true;
      }
      if (allInvoked
          && !announcedRetries
          && c.pending() + c.running() + c.waiting() == 0
          && c.retrying() > 0) {
        System.out.println("        only retries are left: waiting for their 15 s backoff...");
        announcedRetries = true;
      }
    }
    return false;
  }

  /** Executions of this run, by where they stand. */
  private record Counts(
      long completed, long failed, long retrying, long waiting, long running, long pending) {
    long finished() {
      return completed + failed;
    }

    long active() {
      return retrying + waiting + running + pending;
    }
  }

  private Counts counts() throws SQLException {
    String sql =
        """
        select
          (select count(*) from pgconductor.finished_executions
            where finished_at >= ? and created_at >= ? and state = 'completed'),
          (select count(*) from pgconductor.finished_executions
            where finished_at >= ? and created_at >= ? and state <> 'completed'),
          count(*) filter (where locked_by is null and wait_kind is null and attempts > 0),
          count(*) filter (where locked_by is null and wait_kind is not null),
          count(*) filter (where locked_by is not null),
          count(*) filter (where locked_by is null and wait_kind is null and attempts = 0)
        from pgconductor.executions
        -- the next occurrence of a schedule is always pending: it does not keep the demo running
        where created_at >= ? and not (origin = 'scheduled' and locked_by is null)""";
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 1; i <= 5; i++) {
        ps.setTimestamp(i, since);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new Counts(
            rs.getLong(1),
            rs.getLong(2),
            rs.getLong(3),
            rs.getLong(4),
            rs.getLong(5),
            rs.getLong(6));
      }
    }
  }

  private void printFinalState(Ids ids, Duration elapsed) throws SQLException {
    System.out.printf(
        "%nAll done in %.1f s. Final state, from pgconductor.finished_executions:%n",
        elapsed.toMillis() / 1000.0);
    System.out.printf(
        "  %-14s %-8s %-10s %6s %20s%n", "task", "queue", "state", "count", "needed a retry");
    String sql =
        """
        select task_key, queue, state, count(*), count(*) filter (where attempts > 1)
        from pgconductor.finished_executions
        where finished_at >= ? and created_at >= ?
        group by task_key, queue, state
        order by task_key, state""";
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setTimestamp(1, since);
      ps.setTimestamp(2, since);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          System.out.printf(
              "  %-14s %-8s %-10s %6d %20d%n",
              rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getLong(5));
        }
      }
    }

    Execution<Charge, Receipt> charge =
        conductor.getExecution(CHARGE_CARD, ids.retriedCharge()).orElseThrow();
    System.out.printf(
        "%nconductor.getExecution(CHARGE_CARD, \"%s\"):%n  state %s after %d attempts, result %s%n"
            + "  error of the failed attempt: %s%n",
        charge.id(), charge.state(), charge.attempts(), charge.result(), charge.lastError());

    Execution<CsvRow, Void> row = conductor.getExecution(IMPORT_ROW, ids.failedRow()).orElseThrow();
    System.out.printf(
        "%nconductor.getExecution(IMPORT_ROW, \"%s\"):%n  state %s after %d attempt (maxAttempts 1)%n"
            + "  lastError: %s%n  lastErrorStack: %s%n",
        row.id(),
        row.state(),
        row.attempts(),
        row.lastError(),
        row.lastErrorStack() == null ? null : row.lastErrorStack().lines().findFirst().orElse(""));

    Execution<Signup, String> signup =
        conductor.getExecution(ONBOARD_USER, ids.signup()).orElseThrow();
    System.out.printf(
        "%nconductor.getExecution(ONBOARD_USER, \"%s\"):%n  state %s, result %s, attempts %d,"
            + " %.1f s from start to finish (two child mails and a 3 s sleep)%n",
        signup.id(),
        signup.state(),
        signup.result(),
        signup.attempts(),
        Duration.between(signup.createdAt(), signup.finishedAt()).toMillis() / 1000.0);

    Execution<Digest, Void> digest =
        conductor.getExecution(WEEKLY_DIGEST, ids.digest()).orElseThrow();
    System.out.printf(
        "%nweekly-digest, invoked twice with dedupe key '%s' before it was due: %s%n"
            + "  %s, started %.1f s after it was invoked (runAt: 2 s later)%n",
        digest.dedupeKey(),
        ids.digest().equals(ids.digestAgain()) ? "one execution" : "two executions (unexpected)",
        digest.state(),
        Duration.between(digest.createdAt(), digest.startedAt()).toMillis() / 1000.0);

    System.out.printf(
        "%nhealth-report ran %d times on its cron schedule \"0/5 * * * * *\"; each"
            + " onboard-user emitted user.onboarded,%n  which created %d crm-sync and %d"
            + " notify-sales executions (notify-sales selects one field, for users u1*)%n",
        finishedOf("health-report"), finishedOf("crm-sync"), finishedOf("notify-sales"));
  }

  private long finishedOf(String task) throws SQLException {
    try (Connection c = pool.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select count(*) from pgconductor.finished_executions"
                    + " where task_key = ? and finished_at >= ?")) {
      ps.setString(1, task);
      ps.setTimestamp(2, since);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private Timestamp databaseNow() throws SQLException {
    try (Connection c = pool.getConnection();
        PreparedStatement ps = c.prepareStatement("select now()");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getTimestamp(1);
    }
  }

  /** A JDBC URL for a {@code postgres://user:pass@host:port/db?…} or {@code jdbc:} URL. */
  static String jdbcUrl(String url) {
    if (url.startsWith("jdbc:")) {
      return url;
    }
    if (!url.startsWith("postgres://") && !url.startsWith("postgresql://")) {
      throw new IllegalArgumentException(
          "DATABASE_URL must start with postgres://, postgresql:// or jdbc:postgresql:");
    }
    URI uri = URI.create(url);
    List<String> params = new ArrayList<>();
    if (uri.getRawQuery() != null) {
      params.add(uri.getRawQuery());
    }
    if (uri.getRawUserInfo() != null) {
      String[] userInfo = uri.getRawUserInfo().split(":", 2);
      params.add("user=" + reencode(userInfo[0]));
      if (userInfo.length == 2) {
        params.add("password=" + reencode(userInfo[1]));
      }
    }
    String host = uri.getHost() == null ? "localhost" : uri.getHost();
    String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return "jdbc:postgresql://"
        + host
        + port
        + path
        + (params.isEmpty() ? "" : "?" + String.join("&", params));
  }

  private static String reencode(String uriPart) {
    return URLEncoder.encode(
        URLDecoder.decode(uriPart, StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }
}
