package dev.pgconductor.bench.scenario;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The parent's handle on one {@link DrainWorkerMain} JVM: starts it with this JVM's java binary and
 * classpath, reads its stdout lines on a thread of its own, sends it commands, and destroys it on
 * {@link #close()} if it is still alive. Its stderr goes to a temporary file, which is printed on
 * any failure and whose last exception is put in the failure's message.
 */
final class WorkerProcess implements AutoCloseable {
  /** Environment variable carrying the warm-up database's URL (ps shows the command line). */
  static final String URL_ENV = "PGCONDUCTOR_BENCH_WORKER_URL";

  /** Heap of each worker JVM. */
  static final String MAX_HEAP = "-Xmx512m";

  /** Stands for the end of the worker's stdout in {@link #messages}. */
  private static final String[] END = new String[0];

  private final int id;
  private final Process process;
  private final Path stderr;
  private final Writer stdin;
  private final BlockingQueue<String[]> messages = new LinkedBlockingQueue<>();
  private volatile Progress progress;
  private long lastRan; // the reader thread's only

  /** The handler runs counted over all workers of a drain, and when they reached the target. */
  static final class Progress {
    private final long target;
    private final AtomicLong total = new AtomicLong();
    private final CompletableFuture<Long> reached = new CompletableFuture<>();

    Progress(long target) {
      this.target = target;
    }

    void add(long delta) {
      if (total.addAndGet(delta) >= target) {
        reached.complete(System.nanoTime());
      }
    }

    void fail(Throwable e) {
      reached.completeExceptionally(e);
    }

    /** Waits until the target was reached; returns the {@link System#nanoTime()} it was seen. */
    long await(Duration timeout) throws Exception {
      try {
        return reached.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new TimeoutException(
            "only "
                + total.get()
                + " of "
                + target
                + " jobs ran within "
                + timeout.toSeconds()
                + " s");
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Exception cause ? cause : e;
      }
    }
  }

  private WorkerProcess(int id, Process process, Path stderr) {
    this.id = id;
    this.process = process;
    this.stderr = stderr;
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
  }

  /**
   * Starts worker {@code id} with the given {@code key=value} arguments and {@code url} in its
   * environment.
   */
  static WorkerProcess start(int id, String url, List<String> args) throws IOException {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add(MAX_HEAP);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(DrainWorkerMain.class.getName());
    command.add("id=" + id);
    command.addAll(args);
    Path stderr = Files.createTempFile("pgc-worker-" + id + "-", ".log");
    stderr.toFile().deleteOnExit(); // on Ctrl-C, when close() does not run
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(stderr.toFile()));
    builder.environment().put(URL_ENV, url);
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      Files.deleteIfExists(stderr);
      throw e;
    }
    WorkerProcess worker = new WorkerProcess(id, process, stderr);
    Thread.ofPlatform().daemon().name("pgc-worker-" + id + "-out").start(worker::readStdout);
    return worker;
  }

  private void readStdout() {
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (!line.startsWith(DrainWorkerMain.PREFIX)) {
          continue;
        }
        String[] f = line.substring(DrainWorkerMain.PREFIX.length()).split(" ");
        if (f[0].equals("ran")) {
          long ran = Long.parseLong(f[1]);
          Progress p = progress;
          if (p != null) {
            p.add(ran - lastRan);
          }
          lastRan = ran;
        } else {
          if (f[0].equals("ready")) {
            lastRan = 0; // a drain's counts start from 0
          }
          messages.add(f);
        }
      }
    } catch (IOException | RuntimeException e) {
      // the process is gone or spoke nonsense: reported as its end
    }
    messages.add(END);
    Progress p = progress;
    if (p != null && !p.reached.isDone()) {
      p.fail(new IllegalStateException(failure("ended during the drain")));
    }
  }

  /** Counts the handler runs of the next drain into {@code progress} (null: nowhere). */
  void countInto(Progress progress) {
    this.progress = progress;
  }

  /** Sends one line to the worker. */
  void send(String command) throws IOException {
    stdin.write(command + "\n");
    stdin.flush();
  }

  /**
   * Waits for the worker's next message, which must be {@code kind}; returns its fields after the
   * kind. Fails, with the worker's stderr, when it ends or says something else first.
   */
  long[] await(String kind, Duration timeout) throws Exception {
    String[] message = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (message == null) {
      throw new TimeoutException(
          failure("did not say '" + kind + "' within " + timeout.toSeconds() + " s"));
    }
    if (message == END) {
      throw new IllegalStateException(failure("ended before saying '" + kind + "'"));
    }
    if (!message[0].equals(kind)) {
      throw new IllegalStateException(
          failure("said '" + String.join(" ", message) + "' instead of '" + kind + "'"));
    }
    long[] fields = new long[message.length - 1];
    for (int i = 1; i < message.length; i++) {
      fields[i - 1] = Long.parseLong(message[i]);
    }
    return fields;
  }

  /** A message naming the worker and what went wrong, with the last exception of its stderr. */
  private String failure(String what) {
    String err;
    try {
      err = Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      err = "(stderr unreadable: " + e.getMessage() + ")";
    }
    if (err.length() > 8_000) {
      err = "…" + err.substring(err.length() - 8_000);
    }
    String message = "worker JVM " + id + " " + what;
    if (err.isBlank()) {
      return message;
    }
    // the whole stderr goes to the log; the message, which the table shows one line of, names
    // the last exception in it
    System.err.println(message + "; its stderr:\n" + err.strip());
    String cause =
        err.lines()
            .filter(l -> l.matches("^(Caused by: )?[\\w.$]+(Exception|Error)\\b.*"))
            .reduce((first, second) -> second)
            .orElse(err.strip().lines().reduce((first, second) -> second).orElse(""));
    return message + " (stderr in the log): " + cause;
  }

  /** Kills the worker if it is still alive (for a shutdown hook: no waiting, no file access). */
  void kill() {
    process.destroyForcibly();
  }

  /**
   * Ends the worker: closes its stdin, on which it exits; destroys it if it has not within a few
   * seconds; removes its stderr file.
   */
  @Override
  public void close() {
    try {
      try {
        stdin.close();
      } catch (IOException e) {
        // the process is gone
      }
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      try {
        Files.deleteIfExists(stderr);
      } catch (IOException e) {
        // a temporary file left behind
      }
    }
  }
}
