package dev.pgconductor.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.pgconductor.Conductor;
import dev.pgconductor.ExecutionState;
import dev.pgconductor.Invocation;
import dev.pgconductor.InvokeOptions;
import dev.pgconductor.Orchestrator;
import dev.pgconductor.OrchestratorInfo;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.TaskSchemas;
import dev.pgconductor.TimeWindow;
import dev.pgconductor.Trigger;
import dev.pgconductor.examples.guide.BatchExamples;
import dev.pgconductor.examples.guide.BatchExamples.IndexProduct;
import dev.pgconductor.examples.guide.ConcurrencyExamples;
import dev.pgconductor.examples.guide.ConductorSetup;
import dev.pgconductor.examples.guide.ConductorSetup.App;
import dev.pgconductor.examples.guide.ConductorSetup.Welcome;
import dev.pgconductor.examples.guide.DurableExamples;
import dev.pgconductor.examples.guide.DurableExamples.Charge;
import dev.pgconductor.examples.guide.DurableExamples.Order;
import dev.pgconductor.examples.guide.DurableExamples.Receipt;
import dev.pgconductor.examples.guide.GettingStarted;
import dev.pgconductor.examples.guide.GettingStarted.Greet;
import dev.pgconductor.examples.guide.InvokingExamples;
import dev.pgconductor.examples.guide.ListenerExamples;
import dev.pgconductor.examples.guide.ListenerExamples.TaskStats;
import dev.pgconductor.examples.guide.ListenerExamples.TaskStats.Counts;
import dev.pgconductor.examples.guide.OrchestratorExamples;
import dev.pgconductor.examples.guide.ReadingExamples;
import dev.pgconductor.examples.guide.RetentionExamples;
import dev.pgconductor.examples.guide.RetentionExamples.Refresh;
import dev.pgconductor.examples.guide.RetentionExamples.Webhook;
import dev.pgconductor.examples.guide.RetryExamples;
import dev.pgconductor.examples.guide.RowTriggerExamples;
import dev.pgconductor.examples.guide.WindowExamples;
import dev.pgconductor.examples.guide.WindowExamples.Reindex;
import dev.pgconductor.examples.guide.WorkerConfigExample;
import dev.pgconductor.examples.guide.WorkerConfigExample.Notify;
import dev.pgconductor.examples.guide.WorkerConfigExample.Resize;
import dev.pgconductor.testing.TestClock;
import dev.pgconductor.testing.TestPostgres;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs the code the user guide shows, so that what the docs say is what the library does. */
class GuideExamplesIT {
  private String url;

  @BeforeEach
  void createDatabase() {
    url = TestPostgres.createDatabase();
  }

  @AfterEach
  void dropDatabase() {
    TestPostgres.dropDatabase(url);
  }

  @Test
  void gettingStartedGreetsTheWorld() {
    assertThat(GettingStarted.run(url)).isEqualTo(new GettingStarted.Greeting("Hello, World"));
  }

  @Test
  void conductorSetupHandsTheContextToHandlersAndRejectsBadInvokes() {
    List<String> sent = new CopyOnWriteArrayList<>();
    try (Conductor<App> conductor =
        ConductorSetup.fromConnectionString(
            url, (to, subject, body) -> sent.add(to + ": " + body))) {
      conductor.ensureInstalled();
      var welcome = ConductorSetup.welcomeTask(conductor);
      conductor.invoke(ConductorSetup.WELCOME, new Welcome("ada@example.com", "Ada"));
      Orchestrator.builder(conductor).tasks(welcome).build().drain();

      assertThat(sent).containsExactly("ada@example.com: Hello Ada");
      assertThat(ConductorSetup.invalidPayload(conductor))
          .containsExactly("name: must not be blank", "to: must be a well-formed email address");
      assertThat(ConductorSetup.unknownTask(conductor))
          .isEqualTo("Unknown task 'send-welcom': it is not in this Conductor's TaskSchemas");
    }
  }

  @Test
  void conductorOnADataSourceLeavesThePoolOpen() throws Exception {
    var config = new com.zaxxer.hikari.HikariConfig();
    config.setJdbcUrl(url);
    config.setMaximumPoolSize(4);
    try (var pool = new com.zaxxer.hikari.HikariDataSource(config)) {
      try (Conductor<App> conductor =
          ConductorSetup.fromDataSource(pool, new App((to, s, b) -> {}), new TestClock())) {
        conductor.ensureInstalled();
      }
      assertThat(pool.isClosed()).isFalse();
      try (var c = pool.getConnection()) {
        assertThat(c.isValid(1)).isTrue();
      }
    }
  }

  @Test
  void invokingWithDedupePriorityRunAtAndBatches() {
    try (Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url)
            .tasks(TaskSchemas.of(InvokingExamples.REINDEX, InvokingExamples.REMIND))
            .build()) {
      conductor.ensureInstalled();
      String first = InvokingExamples.onDocumentEdited(conductor, "a");
      String second = InvokingExamples.onDocumentEdited(conductor, "a");
      String other = InvokingExamples.onDocumentEdited(conductor, "b");
      assertThat(second).isEqualTo(first);
      assertThat(other).isNotEqualTo(first);

      List<String> batch = InvokingExamples.reindexAll(conductor, List.of("a", "c", "c"));
      assertThat(batch.get(0)).isEqualTo(first); // still pending: the same execution
      assertThat(batch.get(1)).isEqualTo(batch.get(2)).isNotEqualTo(first);
      // the batch replaced the options of "a": its runAt is now, no longer 10 s ahead
      assertThat(conductor.getExecution(first).orElseThrow().runAt())
          .isBefore(Instant.now().plusSeconds(5));

      var reminder =
          conductor.getExecution(InvokingExamples.remindLater(conductor, "u1")).orElseThrow();
      assertThat(reminder.state()).isEqualTo(ExecutionState.PENDING);
      assertThat(reminder.priority()).isEqualTo(10);
      assertThat(reminder.runAt()).isAfter(Instant.now().plus(Duration.ofMinutes(59)));

      assertThat(InvokingExamples.mixedBatch(conductor)).hasSize(3).doesNotHaveDuplicates();
    }
  }

  @Test
  void customWorkerServesItsQueue() {
    List<String> resized = new CopyOnWriteArrayList<>();
    try (Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url)
            .tasks(TaskSchemas.of(WorkerConfigExample.RESIZE, WorkerConfigExample.NOTIFY))
            .build()) {
      Orchestrator orchestrator =
          WorkerConfigExample.orchestrator(conductor, (id, width) -> resized.add(id + "@" + width));
      conductor.ensureInstalled();
      String resize =
          conductor.invoke(WorkerConfigExample.RESIZE, new Resize("img-1", 128)).orElseThrow();
      String notify =
          conductor.invoke(WorkerConfigExample.NOTIFY, new Notify("u1", "hi")).orElseThrow();
      orchestrator.drain();

      assertThat(resized).containsExactly("img-1@128");
      assertThat(conductor.getExecution(resize).orElseThrow().queue()).isEqualTo("images");
      assertThat(conductor.getExecution(notify).orElseThrow().state())
          .isEqualTo(ExecutionState.COMPLETED);
    }
  }

  @Test
  void orchestratorLifecycle() {
    try (Conductor<Void> conductor = GettingStarted.connect(url)) {
      Orchestrator orchestrator =
          OrchestratorExamples.configured(conductor, GettingStarted.register(conductor));
      OrchestratorInfo whileRunning = OrchestratorExamples.lifecycle(orchestrator);

      assertThat(whileRunning.running()).isTrue();
      assertThat(orchestrator.info().stopped()).isTrue();
      assertThat(orchestrator.info().id()).isEqualTo(whileRunning.id());
    }
  }

  @Test
  void stoppedHandlerGoesBackToTheQueueAndResumesAfterItsSteps() throws Exception {
    CountDownLatch rendering = new CountDownLatch(1);
    List<String> rendered = new CopyOnWriteArrayList<>();
    AtomicBoolean slow = new AtomicBoolean(true);
    OrchestratorExamples.Reports reports =
        new OrchestratorExamples.Reports() {
          @Override
          public List<String> parts(String month) {
            return List.of("summary", "details");
          }

          @Override
          public void render(String part) throws InterruptedException {
            if (part.equals("details") && slow.get()) {
              rendering.countDown();
              new CountDownLatch(1).await(); // blocks until interrupted
            }
            rendered.add(part);
          }
        };
    try (Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url)
            .tasks(TaskSchemas.of(OrchestratorExamples.REPORT))
            .build()) {
      var report = OrchestratorExamples.reportTask(conductor, reports);
      Orchestrator orchestrator =
          Orchestrator.builder(conductor)
              .tasks(report)
              .shutdownGrace(Duration.ofMillis(200))
              .handleSignals(false)
              .build();
      orchestrator.start();
      String id =
          conductor
              .invoke(OrchestratorExamples.REPORT, new OrchestratorExamples.Report("2025-11"))
              .orElseThrow();
      assertThat(rendering.await(30, TimeUnit.SECONDS)).isTrue();
      orchestrator.stop().join();

      var stopped = conductor.getExecution(OrchestratorExamples.REPORT, id).orElseThrow();
      assertThat(stopped.state()).isEqualTo(ExecutionState.PENDING);
      assertThat(stopped.attempts()).isZero();

      slow.set(false);
      Orchestrator.builder(conductor).tasks(report).handleSignals(false).build().drain();
      assertThat(conductor.getExecution(id).orElseThrow().state())
          .isEqualTo(ExecutionState.COMPLETED);
      assertThat(rendered).containsExactly("summary", "details");
    }
  }

  @Test
  void readingBackShowsThePayloadTheOriginAndTheChildren() {
    DurableExamples.Shop shop =
        new DurableExamples.Shop() {
          @Override
          public String reserve(String orderId) {
            return "res-" + orderId;
          }

          @Override
          public void release(String reservation) {}

          @Override
          public void ship(String orderId, String reservation) {}

          @Override
          public Receipt charge(Charge charge) {
            return new Receipt("rcpt-" + charge.orderId());
          }
        };
    try (Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url)
            .tasks(TaskSchemas.of(DurableExamples.FULFIL, DurableExamples.CHARGE))
            .build()) {
      var fulfil = DurableExamples.fulfilTask(conductor, shop);
      var charge = DurableExamples.chargeTask(conductor, shop);
      conductor.ensureInstalled();
      String order = conductor.invoke(DurableExamples.FULFIL, new Order("o-7", 990)).orElseThrow();

      // the order charges in a child, then sleeps for an hour
      Orchestrator.builder(conductor).tasks(fulfil, charge).build().drain();

      assertThat(ReadingExamples.describe(conductor, order))
          .isEqualTo(
              "fulfil-order of Order[orderId=o-7, cents=990], invoked,"
                  + " children [charge-payment COMPLETED]");
      String child = conductor.getChildren(order).getFirst().id();
      assertThat(ReadingExamples.describe(conductor, child))
          .isEqualTo(
              "charge-payment of Charge[orderId=o-7, cents=990], invoked by execution "
                  + order
                  + ", children []");
      assertThat(conductor.getExecution("not-an-id")).isEmpty();
    }
  }

  @Test
  void aListenerCountsRunsPerTaskAndNoticesSlowQueueWaits() {
    TaskDefinition<Void, Void> broken = TaskDefinition.of("always-fails");
    TaskStats stats = new TaskStats(Duration.ofSeconds(30));
    TaskStats ownStats = new TaskStats(Duration.ofSeconds(30));
    try (Conductor<Void> conductor =
        ListenerExamples.connect(url, TaskSchemas.of(GettingStarted.GREET, broken), stats)) {
      conductor.ensureInstalled();
      Task<?, ?> greet = GettingStarted.register(conductor);
      Task<?, ?> fails =
          conductor.createTask(
              TaskOptions.of(broken).maxAttempts(1),
              Trigger.invocable(),
              (event, ctx) -> {
                throw new IllegalStateException("broken on purpose");
              });
      Orchestrator orchestrator =
          ListenerExamples.orchestrator(conductor, List.of(greet, fails), ownStats);
      orchestrator.start();

      conductor.invoke(GettingStarted.GREET, new Greet("Ada")).orElseThrow();
      // due two minutes ago: it waited that long in the queue when it starts
      conductor
          .invoke(
              GettingStarted.GREET,
              new Greet("Bob"),
              InvokeOptions.DEFAULT.withRunAt(Instant.now().minus(Duration.ofMinutes(2))))
          .orElseThrow();
      conductor.invoke(broken, null).orElseThrow();

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(stats.counts("greet")).isEqualTo(new Counts(2, 0, 0, 1));
                assertThat(stats.counts("always-fails")).isEqualTo(new Counts(0, 1, 1, 0));
              });
      orchestrator.stop().join();

      // the orchestrator's own listener heard the same runs
      assertThat(ownStats.counts("greet")).isEqualTo(stats.counts("greet"));
      assertThat(ownStats.counts("always-fails")).isEqualTo(stats.counts("always-fails"));
    }
  }

  @Test
  void drainWithATimeoutSaysWhetherTheQueuesWereDrained() {
    AtomicBoolean slow = new AtomicBoolean(true);
    OrchestratorExamples.Reports reports =
        new OrchestratorExamples.Reports() {
          @Override
          public List<String> parts(String month) {
            return List.of("summary");
          }

          @Override
          public void render(String part) throws InterruptedException {
            if (slow.get()) {
              new CountDownLatch(1).await(); // blocks until interrupted
            }
          }
        };
    try (Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url)
            .tasks(TaskSchemas.of(OrchestratorExamples.REPORT))
            .build()) {
      var report = OrchestratorExamples.reportTask(conductor, reports);
      conductor.ensureInstalled();
      String id =
          conductor
              .invoke(OrchestratorExamples.REPORT, new OrchestratorExamples.Report("2025-12"))
              .orElseThrow();

      Orchestrator stuck =
          Orchestrator.builder(conductor)
              .tasks(report)
              .shutdownGrace(Duration.ofMillis(200))
              .handleSignals(false)
              .build();
      assertThat(OrchestratorExamples.drainFor(stuck, Duration.ofSeconds(1))).isFalse();
      assertThat(stuck.info().stopped()).isTrue();
      assertThat(conductor.getExecution(id).orElseThrow().state())
          .isEqualTo(ExecutionState.PENDING);

      slow.set(false);
      Orchestrator next =
          Orchestrator.builder(conductor).tasks(report).handleSignals(false).build();
      assertThat(OrchestratorExamples.drainFor(next, Duration.ofSeconds(30))).isTrue();
      assertThat(conductor.getExecution(id).orElseThrow().state())
          .isEqualTo(ExecutionState.COMPLETED);
    }
  }

  @Test
  void retriesAfterTheBackoffUnderATestClock() {
    AtomicInteger calls = new AtomicInteger();
    var execution =
        RetryExamples.retryWithTestClock(
            url,
            account -> {
              if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("partner API returned 503");
              }
            });

    assertThat(execution.state()).isEqualTo(ExecutionState.COMPLETED);
    assertThat(execution.attempts()).isEqualTo(2);
    assertThat(execution.lastError()).isEqualTo("partner API returned 503");
  }

  @Test
  void describesAFailedAttemptWaitingForItsRetry() {
    TestClock clock = new TestClock();
    try (Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url)
            .tasks(TaskSchemas.of(RetryExamples.SYNC))
            .clock(clock)
            .build()) {
      var sync =
          RetryExamples.syncTask(
              conductor,
              account -> {
                throw new IllegalStateException("partner API returned 503");
              });
      conductor.ensureInstalled();
      String id =
          conductor.invoke(RetryExamples.SYNC, new RetryExamples.Sync("acme")).orElseThrow();
      assertThat(RetryExamples.describe(conductor, id)).isEqualTo("not started yet");

      Orchestrator.builder(conductor).tasks(sync).build().drain();

      assertThat(RetryExamples.describe(conductor, id))
          .startsWith("attempt 1 failed (partner API returned 503), retried at ");
      assertThat(conductor.getExecution(RetryExamples.SYNC, id).orElseThrow().runAt())
          .isCloseTo(clock.instant().plusSeconds(15), within(1, ChronoUnit.MILLIS));
    }
  }

  @Test
  void rowChangesOfContactsStartTheirTasks() throws Exception {
    List<String> calls = new CopyOnWriteArrayList<>();
    var services =
        new RowTriggerExamples.Services() {
          @Override
          public void welcome(String email) {
            calls.add("welcome " + email);
          }

          @Override
          public void emailChanged(long contactId, String from, String to) {
            calls.add("changed " + contactId + " " + from + " -> " + to);
          }
        };
    try (Conductor<Void> conductor =
            Conductor.builder()
                .connectionString(url)
                .tasks(
                    TaskSchemas.of(RowTriggerExamples.WELCOME_CONTACT, RowTriggerExamples.SYNC_CRM))
                .build();
        var sql = java.sql.DriverManager.getConnection(url);
        var statement = sql.createStatement()) {
      statement.execute(RowTriggerExamples.CONTACTS_TABLE);
      try (var orchestrator =
          Orchestrator.builder(conductor)
              .tasks(RowTriggerExamples.tasks(conductor, services))
              .build()) {
        orchestrator.start(); // installs the triggers on public.contacts
        statement.execute(
            "insert into public.contacts (id, email, subscribed)"
                + " values (1, 'ada@example.com', true), (2, 'bob@example.com', false)");
        statement.execute("update public.contacts set email = 'ada@example.org' where id = 1");
        statement.execute("update public.contacts set subscribed = true where id = 2");
        await().atMost(Duration.ofSeconds(15)).until(() -> calls.size() == 2);
        assertThat(orchestrator.drain(Duration.ofSeconds(10))).isTrue();
      }
    }
    assertThat(calls)
        .containsExactlyInAnyOrder(
            "welcome ada@example.com", "changed 1 ada@example.com -> ada@example.org");
  }

  @Test
  void theExportTaskNeverRunsMoreThanTwoAtOnce() {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger uploaded = new AtomicInteger();
    CountDownLatch twoAtOnce = new CountDownLatch(1);
    try (Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url)
            .tasks(TaskSchemas.of(ConcurrencyExamples.EXPORT))
            .build()) {
      var export =
          ConcurrencyExamples.exportTask(
              conductor,
              invoiceId -> {
                int now = running.incrementAndGet();
                most.accumulateAndGet(now, Math::max);
                if (now == 2) {
                  twoAtOnce.countDown();
                }
                // uploads overlap until two ran at once (a third would be a broken limit)
                boolean reached = twoAtOnce.await(10, TimeUnit.SECONDS);
                running.decrementAndGet();
                if (reached) {
                  uploaded.incrementAndGet();
                }
              });
      conductor.ensureInstalled();
      conductor.invokeBatch(
          ConcurrencyExamples.EXPORT,
          IntStream.range(0, 20)
              .mapToObj(i -> Invocation.of(new ConcurrencyExamples.Export("inv-" + i)))
              .toList());

      Orchestrator.builder(conductor).tasks(export).build().drain(); // worker concurrency 10

      assertThat(uploaded).hasValue(20);
      assertThat(most).hasValue(2);
    }
  }

  @Test
  void webhooksAreKeptAWeekAndCacheRefreshesNotAtAll() {
    TestClock clock = new TestClock();
    TaskDefinition<String, Void> legacy =
        TaskDefinition.of("import-legacy", String.class).onQueue("legacy-imports");
    try (Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url)
            .tasks(
                TaskSchemas.of(
                    RetentionExamples.HANDLE_WEBHOOK, RetentionExamples.REFRESH_CACHE, legacy))
            .clock(clock)
            .listener(new RetentionExamples.MaintenanceLog())
            .build()) {
      var webhooks = RetentionExamples.webhooks(conductor);
      var refresh = RetentionExamples.cacheRefresh(conductor);
      conductor.ensureInstalled();
      var delivery = InvokeOptions.builder().dedupeKey("evt_1").build();
      String webhook =
          conductor
              .invoke(RetentionExamples.HANDLE_WEBHOOK, new Webhook("evt_1", "{}"), delivery)
              .orElseThrow();
      String refreshed =
          conductor.invoke(RetentionExamples.REFRESH_CACHE, new Refresh("rates")).orElseThrow();
      conductor.invoke(legacy, "file-1.csv");
      Orchestrator.builder(conductor).tasks(webhooks, refresh).build().drain();

      assertThat(conductor.getExecution(refreshed)).as("removed as it completed").isEmpty();
      assertThat(conductor.getExecution(webhook).orElseThrow().state())
          .isEqualTo(ExecutionState.COMPLETED);
      // a redelivery within the week answers with the first execution
      assertThat(
              conductor.invoke(
                  RetentionExamples.HANDLE_WEBHOOK, new Webhook("evt_1", "{}"), delivery))
          .contains(webhook);

      clock.advance(Duration.ofDays(8));
      assertThat(conductor.runMaintenance("default").completed()).isEqualTo(1);
      assertThat(conductor.getExecution(webhook)).isEmpty();
      assertThat(RetentionExamples.retire(conductor)).as("the legacy import").isEqualTo(1);
    }
  }

  @Test
  void theNightlyReindexPausesWhenTheNightEndsAndGoesOnTheNextNight() {
    TestClock clock = new TestClock();
    // to a quarter past ten at night, UTC: the window is open
    TimeWindow night = new TimeWindow(LocalTime.of(22, 0), LocalTime.of(6, 0), ZoneOffset.UTC);
    clock.advance(
        Duration.between(
                clock.instant(), night.nextOpening(clock.instant()).orElse(clock.instant()))
            .plusMinutes(15));
    AtomicInteger pagesRead = new AtomicInteger();
    try (Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url)
            .tasks(TaskSchemas.of(WindowExamples.REINDEX, WindowExamples.CALL_BACK))
            .clock(clock)
            .build()) {
      var reindex =
          WindowExamples.nightlyReindex(
              conductor,
              n -> {
                pagesRead.incrementAndGet();
                if (n == 1) {
                  clock.advance(Duration.ofHours(8)); // the night ends while page 1 is read
                }
                return n < 2 ? List.of("a-" + n, "b-" + n) : List.of();
              });
      var callbacks = WindowExamples.callbacks(conductor);
      conductor.ensureInstalled();
      String id = conductor.invoke(WindowExamples.REINDEX, new Reindex("shoes")).orElseThrow();
      try (var orchestrator =
          Orchestrator.builder(conductor).tasks(reindex, callbacks).handleSignals(false).build()) {
        orchestrator.start();
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.WAITING);
        assertThat(pagesRead).as("page 2 waits for the next night").hasValue(2);
        Instant resumes = conductor.getExecution(id).orElseThrow().runAt();
        assertThat(night.isOpen(resumes)).isTrue();

        clock.advance(Duration.between(clock.instant(), resumes));
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> conductor.getExecution(id).orElseThrow().state() == ExecutionState.COMPLETED);
        assertThat(conductor.getExecution(WindowExamples.REINDEX, id).orElseThrow().result())
            .isEqualTo(4);
        assertThat(pagesRead).as("pages 0 and 1 were not read again").hasValue(3);
      }
    }
  }

  @Test
  void productsAreIndexedInBulkAndABackOffSleepsTheWholeBatch() {
    TestClock clock = new TestClock();
    List<Integer> requests = new CopyOnWriteArrayList<>();
    AtomicBoolean throttled = new AtomicBoolean(true);
    BatchExamples.SearchEngine engine =
        new BatchExamples.SearchEngine() {
          @Override
          public java.util.Map<String, String> bulkIndex(java.util.Map<String, String> titles) {
            requests.add(titles.size());
            java.util.Map<String, String> versions = new java.util.HashMap<>();
            titles.keySet().forEach(sku -> versions.put(sku, "v1-" + sku));
            return versions;
          }

          @Override
          public boolean throttled() {
            return throttled.getAndSet(false); // the first batch is asked to slow down
          }
        };
    try (Conductor<Void> conductor =
        Conductor.builder()
            .connectionString(url)
            .tasks(TaskSchemas.of(BatchExamples.INDEX_PRODUCT))
            .clock(clock)
            .build()) {
      var index = BatchExamples.indexTask(conductor, engine);
      conductor.ensureInstalled();
      List<String> ids =
          conductor.invokeBatch(
              BatchExamples.INDEX_PRODUCT,
              IntStream.range(0, 250)
                  .mapToObj(i -> Invocation.of(new IndexProduct("sku-" + i, "Product " + i)))
                  .toList());
      try (var orchestrator =
          Orchestrator.builder(conductor).tasks(index).handleSignals(false).build()) {
        orchestrator.start();
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    ids.stream()
                            .filter(
                                id ->
                                    conductor.getExecution(id).orElseThrow().state()
                                        == ExecutionState.WAITING)
                            .count()
                        > 0);
        clock.advance(Duration.ofMinutes(1));
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () ->
                    ids.stream()
                        .allMatch(
                            id ->
                                conductor.getExecution(id).orElseThrow().state()
                                    == ExecutionState.COMPLETED));
      }
      assertThat(
              conductor
                  .getExecution(BatchExamples.INDEX_PRODUCT, ids.get(7))
                  .orElseThrow()
                  .result())
          .isEqualTo("v1-sku-7");
      assertThat(requests).allSatisfy(n -> assertThat(n).isBetween(1, 100));
      assertThat(requests.stream().mapToInt(Integer::intValue).sum()).isEqualTo(250);
    }
  }
}
