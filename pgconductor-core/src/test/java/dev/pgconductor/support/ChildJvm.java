package dev.pgconductor.support;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** A JVM running one of the test "main" classes with the test class path, to kill or SIGTERM. */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final String orchestratorId;

  private ChildJvm(Process process, String orchestratorId) {
    this.process = process;
    this.orchestratorId = orchestratorId;
  }

  /** Starts {@code mainClass} and waits until it prints "STARTED id". */
  public static ChildJvm start(Class<?> mainClass, String... args) throws IOException {
    String java =
        System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    String[] command = new String[4 + args.length];
    command[0] = java;
    command[1] = "-cp";
    command[2] = System.getProperty("java.class.path");
    command[3] = mainClass.getName();
    System.arraycopy(args, 0, command, 4, args.length);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    var reader =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.startsWith("STARTED ")) {
        String id = line.substring("STARTED ".length()).strip();
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    reader.lines().forEach(l -> {}); // keep the pipe from filling up
                  } catch (UncheckedIOException closed) {
                    // the child is gone
                  }
                });
        return new ChildJvm(process, id);
      }
    }
    try {
      throw new IllegalStateException(
          mainClass.getSimpleName() + " exited before starting, exit code " + process.waitFor());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
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
