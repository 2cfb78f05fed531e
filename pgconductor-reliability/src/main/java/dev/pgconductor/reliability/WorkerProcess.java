package dev.pgconductor.reliability;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The driver's handle on one worker JVM ({@link WorkerMain}) started with {@link ProcessBuilder}:
 * waits for it to start, and kills, terminates, freezes or thaws it. Its output is drained all the
 * time (so the pipe never fills) and the last lines are kept for diagnostics.
 */
public final class WorkerProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final CompletableFuture<String> started = new CompletableFuture<>();
  private final Deque<String> tail = new ArrayDeque<>();
  private final List<long[]> lateHeartbeats = new ArrayList<>();

  /** The engine's warning of a heartbeat late enough to start a new live period. */
  private static final Pattern LATE_BEAT =
      Pattern.compile("heartbeat (\\d+) ms after the previous one \\(the call took (\\d+) ms\\)");

  private final java.util.concurrent.atomic.AtomicLong ambiguousCommits =
      new java.util.concurrent.atomic.AtomicLong();

  private WorkerProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    Thread.ofVirtual().name("output-" + name).start(this::drain);
  }

  /**
   * Starts a worker JVM with the heap of these settings and these {@link WorkerMain} arguments;
   * does not wait for it.
   */
  public static WorkerProcess launch(String name, WorkerSettings settings, List<String> args) {
    String maxHeap = settings.maxHeap();
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    command.add("-Xmx" + maxHeap);
    command.add("-Xms" + maxHeap); // sized up front, as servers are: no full collections to grow
    if (settings.serverHeap()) {
      command.add("-XX:+UseG1GC");
      command.add("-XX:+AlwaysPreTouch");
    } else {
      command.add("-XX:+UseSerialGC"); // a small JVM: ten of them share two cores
    }
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(WorkerMain.class.getName());
    command.addAll(args);
    try {
      return new WorkerProcess(name, new ProcessBuilder(command).redirectErrorStream(true).start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start worker " + name, e);
    }
  }

  /** Waits until the worker prints that its orchestrator runs; returns the orchestrator's id. */
  public String awaitStarted(Duration timeout) {
    try {
      return started.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "worker " + name + " did not start within " + timeout + ":\n" + tail(), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "worker " + name + " exited before starting:\n" + tail(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Whether it printed its start line. */
  public boolean isStarted() {
    return started.isDone() && !started.isCompletedExceptionally();
  }

  /** The worker's name, as it logs step runs. */
  public String name() {
    return name;
  }

  /** The id of its orchestrator (once started). */
  public String orchestratorId() {
    return started.join();
  }

  /** Its process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether the JVM still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL, and waits for the process to be gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM: a graceful stop through the worker's shutdown hook. Does not wait. */
  public void terminate() {
    process.destroy();
  }

  /** Waits for the process to exit; true if it did within the timeout. */
  public boolean awaitExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** SIGSTOP: the JVM freezes, its sockets stay open. */
  public void freeze() {
    signal("STOP");
  }

  /** SIGCONT: a frozen JVM carries on. */
  public void thaw() {
    signal("CONT");
  }

  private void signal(String signal) {
    try {
      Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).start();
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The heartbeats its orchestrator warned came late enough to start a new live period: {gap ms, ms
   * the call took}.
   */
  public synchronized List<long[]> lateHeartbeats() {
    return List.copyOf(lateHeartbeats);
  }

  /** How many commits its {@link AmbiguousCommits} made throw after succeeding. */
  public long ambiguousCommits() {
    return ambiguousCommits.get();
  }

  /** The last lines it printed. */
  public synchronized String tail() {
    return String.join("\n", tail);
  }

  /**
   * Where every worker's whole output goes, one file per worker, when the system property {@code
   * pgconductor.reliability.logs} names a directory (for a post-mortem: the tail keeps 200 lines).
   */
  private java.io.Writer outputLog(String name) throws IOException {
    String dir = System.getProperty("pgconductor.reliability.logs");
    if (dir == null) {
      return java.io.Writer.nullWriter();
    }
    java.nio.file.Path path = java.nio.file.Path.of(dir);
    java.nio.file.Files.createDirectories(path);
    return java.nio.file.Files.newBufferedWriter(
        path.resolve(name + "-" + process.pid() + ".log"), StandardCharsets.UTF_8);
  }

  private void drain() {
    try (var reader =
            new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        var log = outputLog(name)) {
      String line;
      while ((line = reader.readLine()) != null) {
        log.write(line);
        log.write('\n');
        if (line.equals("AMBIGUOUS-COMMIT")) {
          ambiguousCommits.incrementAndGet();
          continue;
        }
        Matcher late = LATE_BEAT.matcher(line);
        if (late.find()) {
          synchronized (this) {
            lateHeartbeats.add(
                new long[] {Long.parseLong(late.group(1)), Long.parseLong(late.group(2))});
          }
        }
        if (line.startsWith("STARTED ")) {
          started.complete(line.split(" ")[1]);
        }
        synchronized (this) {
          tail.addLast(line);
          if (tail.size() > 200) {
            tail.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      // the process is gone
    }
    started.completeExceptionally(new IllegalStateException("exited"));
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      thaw(); // a frozen JVM ignores nothing but SIGKILL anyway, but leave it runnable
      kill();
    }
  }
}
