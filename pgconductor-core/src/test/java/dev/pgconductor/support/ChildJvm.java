package dev.pgconductor.support;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A JVM running one of the test "main" classes with the test class path, to kill or SIGTERM. */
public final class ChildJvm implements AutoCloseable {
  private static final int KEPT_LINES = 2000;

  private final Process process;
  private final String orchestratorId;
  private final java.util.Deque<String> output = new java.util.concurrent.ConcurrentLinkedDeque<>();

  private static final List<String> MODULE_OPTIONS =
      List.of(
          "--module-path",
          "--upgrade-module-path",
          "--patch-module",
          "--add-modules",
          "--add-reads",
          "--add-exports",
          "--add-opens");

  private ChildJvm(Process process, String orchestratorId) {
    this.process = process;
    this.orchestratorId = orchestratorId;
  }

  /**
   * Starts {@code mainClass} and waits until it prints "STARTED id". The child gets this JVM's
   * class path and, when the tests run on the module path, its module options too (module path, the
   * patched-in test classes, added reads and opens), so it runs the code exactly as the test does.
   */
  public static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (MODULE_OPTIONS.stream().anyMatch(o -> option.startsWith(o + "="))) {
        command.add(option);
      }
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    Module module = mainClass.getModule();
    if (module.isNamed()) {
      command.add("--module");
      command.add(module.getName() + "/" + mainClass.getName());
    } else {
      command.add(mainClass.getName());
    }
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    var reader =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    List<String> before = new ArrayList<>();
    while ((line = reader.readLine()) != null) {
      if (line.startsWith("STARTED ")) {
        String id = line.substring("STARTED ".length()).strip();
        ChildJvm child = new ChildJvm(process, id);
        before.forEach(child::keep);
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    reader.lines().forEach(child::keep); // and keeps the pipe from filling up
                  } catch (UncheckedIOException closed) {
                    // the child is gone
                  }
                });
        return child;
      }
      before.add(line);
      if (before.size() > KEPT_LINES) {
        before.removeFirst();
      }
    }
    before.forEach(System.err::println); // why it did not start
    try {
      throw new IllegalStateException(
          mainClass.getSimpleName() + " exited before starting, exit code " + process.waitFor());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void keep(String line) {
    output.addLast(line);
    if (output.size() > KEPT_LINES) {
      output.pollFirst();
    }
  }

  /** What it printed (its logs included), the last lines of it. */
  public List<String> output() {
    return List.copyOf(output);
  }

  /** The id of the orchestrator it runs. */
  public String orchestratorId() {
    return orchestratorId;
  }

  /** SIGTERM, like a deploy or Ctrl-C. */
  public void terminate() {
    process.destroy();
  }

  /** SIGKILL: no shutdown hook, no cleanup. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    return process.waitFor(timeout, unit);
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
