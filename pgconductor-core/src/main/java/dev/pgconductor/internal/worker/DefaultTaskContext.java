package dev.pgconductor.internal.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgconductor.ChildExecutionFailedException;
import dev.pgconductor.ChildTimeoutException;
import dev.pgconductor.ConductorListener;
import dev.pgconductor.EventDefinition;
import dev.pgconductor.ExecutionTracer.SendKind;
import dev.pgconductor.PgConductorException;
import dev.pgconductor.StepAction;
import dev.pgconductor.TaskContext;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskLogger;
import dev.pgconductor.TaskSignal;
import dev.pgconductor.TimeWindow;
import dev.pgconductor.TransactionalStepBody;
import dev.pgconductor.TypeRef;
import dev.pgconductor.internal.db.Claimed;
import dev.pgconductor.internal.db.ExecutionStore;
import dev.pgconductor.internal.db.ExecutionStore.StepRecord;
import dev.pgconductor.internal.db.Outcome;
import dev.pgconductor.internal.db.SqlErrors;
import dev.pgconductor.internal.listen.Listeners;
import dev.pgconductor.internal.listen.Tracing;
import dev.pgconductor.internal.util.UuidV7;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * The context of one run of one execution: memoized steps (loaded with the claim), sleeps and child
 * invocations that suspend the run, and the abort signal. Used by one handler thread.
 */
final class DefaultTaskContext<C> implements TaskContext<C>, TaskSignal {
  private static final String SLEEP_UNTIL = "sleepUntil";

  /** The longest name of a step, sleep or child invoke. */
  static final int MAX_NAME_LENGTH = 500;

  private final RunEnvironment<C> environment;
  private final Claimed claimed;
  private final String queue;
  private final UUID orchestratorId;
  private final TaskLogger logger;
  private final StepWriter stepWriter;
  private HandlerSlot slot = HandlerSlot.NONE;
  private final Listeners listeners;
  private Tracing.Run traced; // null without a tracer
  private final Map<String, StepState> steps = new HashMap<>();
  private final String executionId;
  private final TimeWindow window; // null: the task runs at any time

  private volatile Reason abortReason;
  private volatile boolean timedOut;
  private volatile boolean interruptedByStop;
  private volatile Thread thread;
  private Suspension thrown;

  /**
   * A step as recorded: a value, a sleep marker, or a child invocation (pending or done). A value
   * recorded in this run keeps the JSON it was stored as ({@code resultJson}) and is only parsed if
   * the step is asked for again; loaded values arrive parsed ({@code result}).
   */
  private record StepState(
      boolean done,
      JsonNode result,
      String resultJson,
      String error,
      UUID child,
      Instant deadline,
      Integer attempt) {
    static StepState value(JsonNode result) {
      return new StepState(true, result, null, null, null, null, null);
    }

    static StepState recordedAs(String json) {
      return new StepState(true, null, json, null, null, null, null);
    }

    JsonNode tree(ObjectMapper mapper) throws JsonProcessingException {
      return resultJson != null ? mapper.readTree(resultJson) : result;
    }
  }

  DefaultTaskContext(
      RunEnvironment<C> environment,
      Claimed claimed,
      String queue,
      UUID orchestratorId,
      TaskLogger logger,
      StepWriter stepWriter,
      TimeWindow window) {
    this.environment = environment;
    this.window = window;
    this.listeners = environment.listeners();
    this.claimed = claimed;
    this.queue = queue;
    this.orchestratorId = orchestratorId;
    this.logger = logger;
    this.stepWriter = stepWriter;
    this.executionId = claimed.id().toString();
    loadSteps(claimed.stepsJson());
    if (claimed.cancelReason() != null) {
      abortReason = Reason.CANCELLED;
    }
  }

  // --- lifecycle, used by the runner -------------------------------------------------------

  void bindThread(Thread thread) {
    this.thread = thread;
  }

  /** The run's handler slot, lent while a step waits for its commit. */
  void lends(HandlerSlot slot) {
    this.slot = slot;
  }

  /**
   * Records a step, lending the run's slot while the commit is awaited: no handler code runs then.
   */
  private boolean record(StepRecord record)
      throws InterruptedException, StepWriter.NotRecordedException {
    slot.lend();
    try {
      return stepWriter.record(record);
    } finally {
      slot.reclaim();
    }
  }

  /** The traced run this context belongs to (with a tracer only): it hears the steps. */
  void traced(Tracing.Run run) {
    this.traced = run;
  }

  /**
   * Aborts the run: sets the signal (the first reason wins, but a timeout overrides) and may
   * interrupt the thread.
   */
  void abort(Reason reason, boolean interrupt) {
    if (abortReason == null || reason == Reason.TIMED_OUT) {
      abortReason = reason;
    }
    if (reason == Reason.TIMED_OUT) {
      timedOut = true;
    } else if (reason == Reason.SHUTDOWN && interrupt) {
      interruptedByStop = true;
    }
    Thread t = thread;
    if (interrupt && t != null) {
      t.interrupt();
    }
  }

  /** Whether the run outlived its timeout: it is over, and nothing it writes may be kept. */
  boolean timedOut() {
    return timedOut;
  }

  /** Whether a stop had to interrupt the handler after its grace period. */
  boolean interruptedByStop() {
    return interruptedByStop;
  }

  /** Whether this execution has recorded steps (loaded with the claim or recorded in this run). */
  boolean hasSteps() {
    return !steps.isEmpty();
  }

  /** The suspension a context call threw, if any (to detect handlers that swallow it). */
  Suspension thrown() {
    return thrown;
  }

  // --- identity ----------------------------------------------------------------------------

  @Override
  public String executionId() {
    return executionId;
  }

  @Override
  public String taskName() {
    return claimed.taskName();
  }

  @Override
  public String queue() {
    return queue;
  }

  @Override
  public int attempt() {
    return claimed.attempt();
  }

  @Override
  public TaskLogger logger() {
    return logger;
  }

  @Override
  public C context() {
    return environment.context();
  }

  @Override
  public TaskSignal signal() {
    return this;
  }

  @Override
  public boolean isAborted() {
    return abortReason != null;
  }

  @Override
  public Reason reason() {
    return abortReason;
  }

  // --- steps -------------------------------------------------------------------------------

  @Override
  public <T> T step(String name, Class<T> type, Callable<T> fn) throws Exception {
    return runStep(name, type, fn);
  }

  @Override
  public <T> T step(String name, TypeRef<T> type, Callable<T> fn) throws Exception {
    return runStep(name, type.type(), fn);
  }

  @Override
  public void step(String name, StepAction action) throws Exception {
    runStep(
        name,
        Void.class,
        () -> {
          action.run();
          return null;
        });
  }

  private <T> T runStep(String name, Type type, Callable<T> fn) throws Exception {
    usable(name);
    StepState recorded = steps.get(name);
    if (recorded != null) {
      return decode(name, recorded, type);
    }
    boundary();
    long startedNanos = System.nanoTime();
    T value = fn.call();
    fence(name);
    String json = environment.json().writeStorable(value, "the result of step '" + name + "'");
    boolean held;
    try {
      held = record(new StepRecord(claimed.id(), queue, claimed.lease(), name, json));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      boundary();
      throw suspend(Suspension.release("interrupted while recording step '" + name + "'"));
    } catch (StepWriter.NotRecordedException e) {
      // not the handler's failure: the run ends, the attempt is not counted, the step runs again
      throw suspend(Suspension.release(e.getMessage()));
    }
    if (!held) {
      throw suspend(Suspension.leaseLost());
    }
    steps.put(name, StepState.recordedAs(json));
    stepRecorded(name, startedNanos);
    return value;
  }

  @Override
  public <T> T transactionalStep(String name, Class<T> type, TransactionalStepBody<T> body)
      throws Exception {
    usable(name);
    StepState recorded = steps.get(name);
    if (recorded != null) {
      return decode(name, recorded, type);
    }
    boundary();
    long startedNanos = System.nanoTime();
    long deadline = startedNanos + StepWriter.RETRY_FOR.toNanos();
    long backoffMillis = 100;
    while (true) {
      Object[] value = new Object[1];
      ExecutionStore.HeldStep held;
      try {
        held =
            environment
                .executions()
                .inHeldTransaction(
                    orchestratorId,
                    queue,
                    claimed.id(),
                    claimed.lease(),
                    name,
                    environment.transactionIdleTimeout(),
                    connection -> {
                      value[0] = body.apply(connection);
                      fence(name); // rolled back: the run timed out while the body ran
                      return environment
                          .json()
                          .writeStorable(value[0], "the result of step '" + name + "'");
                    });
      } catch (Exception e) {
        if (endedByIdleTimeout(e)) {
          throw new PgConductorException(
              "The transaction of transactional step '"
                  + name
                  + "' sat idle longer than "
                  + environment.transactionIdleTimeout()
                  + " and Postgres ended it; keep slow work that is not SQL outside the step",
              e);
        }
        if (!SqlErrors.isConnectionProblem(e)) {
          throw e;
        }
        // the transaction did not commit, or committed and the next try finds its record: the
        // lock taken first waits for a transaction of an earlier try still open on the server
        if (System.nanoTime() + backoffMillis * 1_000_000 - deadline >= 0) {
          throw suspend(
              Suspension.release(
                  "the database could not be reached to run transactional step '"
                      + name
                      + "': "
                      + e.getMessage()));
        }
        environment
            .taskLogger()
            .warn(
                "Transactional step '{}' of execution {} lost its connection ({}); trying again"
                    + " in {} ms",
                name,
                executionId,
                e.getMessage(),
                backoffMillis);
        Thread.sleep(backoffMillis);
        backoffMillis = Math.min(backoffMillis * 2, 2000);
        continue;
      }
      if (!held.held()) {
        throw suspend(Suspension.leaseLost());
      }
      if (held.recordedJson() != null) {
        // an earlier try committed although its answer was lost: that is the step's result
        StepState state = StepState.recordedAs(held.recordedJson());
        steps.put(name, state);
        return decode(name, state, type);
      }
      steps.put(name, StepState.value(environment.json().mapper().valueToTree(value[0])));
      stepRecorded(name, startedNanos);
      return type.cast(value[0]);
    }
  }

  /** Postgres ended the step's transaction for sitting idle (SQLSTATE 25P03). */
  private static boolean endedByIdleTimeout(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof java.sql.SQLException sql && "25P03".equals(sql.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  // --- sleep -------------------------------------------------------------------------------

  @Override
  public void sleep(String name, Duration duration) {
    usable(name);
    Objects.requireNonNull(duration, "duration");
    StepState recorded = steps.get(name);
    if (recorded != null) {
      Instant until = Instant.parse(sleepMarker(name, recorded).path(SLEEP_UNTIL).asText());
      if (!until.isAfter(now())) {
        return;
      }
      throw suspend(Suspension.sleep(name, until)); // woken early (e.g. after a crash)
    }
    boundary();
    Instant until = now().plus(duration);
    JsonNode markerNode =
        environment.json().mapper().createObjectNode().put(SLEEP_UNTIL, until.toString());
    String marker = markerNode.toString();
    boolean held;
    try {
      held = record(new StepRecord(claimed.id(), queue, claimed.lease(), name, marker));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      boundary();
      throw suspend(Suspension.release("interrupted while starting sleep '" + name + "'"));
    } catch (StepWriter.NotRecordedException e) {
      throw suspend(Suspension.release(e.getMessage()));
    }
    if (!held) {
      throw suspend(Suspension.leaseLost());
    }
    steps.put(name, StepState.value(markerNode));
    throw suspend(Suspension.sleep(name, until));
  }

  // --- child invocation --------------------------------------------------------------------

  @Override
  public <P, R> R invoke(String name, TaskDefinition<P, R> task, P payload) {
    return invokeChild(name, task, payload, null);
  }

  @Override
  public <P, R> R invoke(String name, TaskDefinition<P, R> task, P payload, Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    return invokeChild(name, task, payload, timeout);
  }

  private <P, R> R invokeChild(
      String name, TaskDefinition<P, R> task, P payload, Duration timeout) {
    usable(name);
    environment.tasks().requireDefined(task);
    StepState recorded = steps.get(name);
    if (recorded != null && recorded.done()) {
      if (recorded.error() != null) {
        throw new ChildExecutionFailedException(String.valueOf(recorded.child()), recorded.error());
      }
      return decode(name, recorded, task.resultType());
    }
    if (recorded != null
        && recorded.deadline() != null
        && Objects.equals(recorded.attempt(), claimed.attempt())
        && !recorded.deadline().isAfter(now())) {
      throw new ChildTimeoutException(
          name, String.valueOf(recorded.child()), timeout == null ? Duration.ZERO : timeout);
    }
    boundary();
    Instant deadline = timeout == null ? null : now().plus(timeout);
    Outcome.Child child;
    if (recorded != null) {
      // the child of an earlier run or attempt: wait for it again (with a new deadline)
      child = new Outcome.Child(recorded.child(), task.name(), task.queue(), null);
    } else {
      environment.tasks().requireInvocable(task);
      String payloadJson = environment.tasks().payloadJson(task, payload);
      String traceContext = null;
      if (environment.tracing().active()) {
        // the child is written by the next flush, with this run's outcome: the send ends here
        Tracing.Sent sent =
            environment.tracing().send(SendKind.CHILD_INVOKE, task.name(), task.queue());
        traceContext = sent.headersJson();
        sent.end(null);
      }
      // created by the flush that records this wait, in the same transaction
      child =
          new Outcome.Child(UuidV7.next(), task.name(), task.queue(), payloadJson, traceContext);
    }
    steps.put(
        name, new StepState(false, null, null, null, child.id(), deadline, claimed.attempt()));
    throw suspend(Suspension.waitForChild(name, deadline, child));
  }

  // --- checkpoint --------------------------------------------------------------------------

  @Override
  public <P> void schedule(TaskDefinition<P, ?> task, String scheduleName, String cron, P payload) {
    schedule(task, scheduleName, cron, ZoneOffset.UTC, payload);
  }

  @Override
  public <P> void schedule(
      TaskDefinition<P, ?> task, String scheduleName, String cron, ZoneId zone, P payload) {
    usable("schedule");
    environment.schedules().schedule(task, scheduleName, cron, zone, payload);
  }

  @Override
  public boolean unschedule(TaskDefinition<?, ?> task, String scheduleName) {
    usable("unschedule");
    return environment.schedules().unschedule(task, scheduleName);
  }

  @Override
  public boolean cancel(String id, String reason) {
    usable("cancel");
    java.util.Objects.requireNonNull(reason, "reason");
    java.util.UUID uuid;
    try {
      uuid = java.util.UUID.fromString(java.util.Objects.requireNonNull(id, "id"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + id + "' is not an execution id (a UUID)", e);
    }
    var cancelled = environment.executions().cancel(uuid, reason);
    if (environment.listeners().active()) {
      for (var c : cancelled) {
        if (!c.running()) {
          var event =
              new dev.pgconductor.ConductorListener.Cancelled(
                  c.id().toString(), c.taskName(), c.queue());
          environment.listeners().fire(l -> l.executionCancelled(event));
        }
      }
    }
    return !cancelled.isEmpty();
  }

  @Override
  public <E> String emit(String name, EventDefinition<E> event, E payload) throws Exception {
    environment.events().requireDefined(event);
    return runStep(
        name,
        String.class,
        () -> {
          // the same id on every try of this step, so a retried emit stores nothing twice
          UUID id = UuidV7.derived(claimed.id(), "emit/" + name);
          environment.events().emit(null, event, payload, id);
          return id.toString();
        });
  }

  @Override
  public void checkpoint() {
    usable("checkpoint");
    boundary();
  }

  // --- helpers -----------------------------------------------------------------------------

  private void stepRecorded(String name, long startedNanos) {
    if (listeners.active() || traced != null) {
      Duration duration = Duration.ofNanos(System.nanoTime() - startedNanos);
      if (listeners.active()) {
        var event =
            new ConductorListener.StepRecorded(
                executionId, claimed.taskName(), queue, name, duration);
        listeners.fire(l -> l.stepRecorded(event));
      }
      if (traced != null) {
        traced.stepRecorded(name, duration);
      }
    }
  }

  /**
   * Before the handler starts: a claim that predates the orchestrator's current registration is
   * void (peers declared it dead and took the execution over), so the run ends here.
   */
  void startBoundary() {
    held();
    windowBoundary();
  }

  /**
   * Ends the run here when it was cancelled, timed out, the worker is stopping, or its task's time
   * window closed.
   */
  private void boundary() {
    if (timedOut) {
      throw suspend(Suspension.release("the run timed out"));
    }
    held();
    Reason reason = abortReason;
    if (reason == Reason.CANCELLED) {
      throw suspend(Suspension.cancel());
    }
    if (reason == Reason.SHUTDOWN) {
      throw suspend(Suspension.release("the worker is stopping"));
    }
    windowBoundary();
  }

  /** Outside its task's time window the run sleeps until the window opens again. */
  private void windowBoundary() {
    if (window != null) {
      Optional<Instant> opens = window.nextOpening(environment.clockNow());
      if (opens.isPresent()) {
        throw suspend(Suspension.outsideWindow(window, opens.get()));
      }
    }
  }

  /** Ends the run when its claim is void; waits first if the heartbeat is too old to tell. */
  private void held() {
    if (!environment.liveness().holds(claimed.requestedNanos(), () -> abortReason != null)) {
      throw suspend(Suspension.leaseLost());
    }
  }

  /** A run that timed out while a step body ran does not record it: the attempt is over. */
  private void fence(String step) {
    if (timedOut) {
      throw suspend(
          Suspension.release("the run timed out while step '" + step + "' ran; not recorded"));
    }
  }

  private Suspension suspend(Suspension suspension) {
    thrown = suspension;
    return suspension;
  }

  private void usable(String call) {
    Objects.requireNonNull(call, "name");
    if (call.length() > MAX_NAME_LENGTH) {
      // stored in the key of pgconductor.steps, whose entries Postgres caps at about 2.7 kB
      throw new IllegalArgumentException(
          "the name of a step, sleep or child invoke may have at most "
              + MAX_NAME_LENGTH
              + " characters; this one has "
              + call.length()
              + ": '"
              + call.substring(0, 40)
              + "…'");
    }
    if (thrown != null) {
      throw new IllegalStateException(
          "This run of execution "
              + executionId
              + " already ended ("
              + thrown.getMessage()
              + ") but the handler went on to '"
              + call
              + "': it caught pgconductor's control"
              + " flow. Never catch Throwable (or Error) around TaskContext calls.");
    }
  }

  private Instant now() {
    return environment.hasClock() ? environment.clockNow() : claimed.databaseNow();
  }

  private JsonNode sleepMarker(String name, StepState recorded) {
    try {
      JsonNode marker = recorded.tree(environment.json().mapper());
      return marker == null ? environment.json().mapper().missingNode() : marker;
    } catch (JsonProcessingException e) {
      throw new PgConductorException("Recorded sleep '" + name + "' is unreadable", e);
    }
  }

  @SuppressWarnings("unchecked")
  private <T> T decode(String name, StepState recorded, Type type) {
    try {
      ObjectMapper mapper = environment.json().mapper();
      JsonNode node = recorded.tree(mapper);
      if (type == Void.class || node == null || node.isNull()) {
        return null;
      }
      return (T) mapper.readerFor(mapper.getTypeFactory().constructType(type)).readValue(node);
    } catch (java.io.IOException e) {
      throw new PgConductorException(
          "Recorded result of step '" + name + "' cannot be read as " + type.getTypeName(), e);
    }
  }

  private void loadSteps(String json) {
    if (json == null) {
      return;
    }
    try {
      JsonNode all = environment.json().mapper().readTree(json);
      for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        JsonNode s = e.getValue();
        steps.put(
            e.getKey(),
            new StepState(
                s.path("done").asBoolean(true),
                s.get("result"),
                null,
                textOrNull(s.get("error")),
                s.hasNonNull("child") ? UUID.fromString(s.get("child").asText()) : null,
                s.hasNonNull("deadline")
                    ? Instant.parse(normalize(s.get("deadline").asText()))
                    : null,
                s.hasNonNull("attempt") ? s.get("attempt").asInt() : null));
      }
    } catch (java.io.IOException e) {
      throw new PgConductorException(
          "Recorded steps of execution " + executionId + " are unreadable", e);
    }
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  /**
   * jsonb renders timestamptz as "2026-11-26T05:00:00.123+00:00"; Instant.parse wants an offset it
   * knows.
   */
  private static String normalize(String timestamp) {
    return java.time.OffsetDateTime.parse(timestamp).toInstant().toString();
  }
}
