package dev.pgconductor.bench.peer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgconductor.bench.Measurement;
import dev.pgconductor.bench.Sample;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Node.js side of the Node peers: finds {@code node} and {@code npm}, unpacks the peer scripts
 * shipped in this jar into a work directory (under {@code target/}), installs their npm packages
 * there once (again only when {@code package.json} changes), and runs one script per measurement,
 * reading its one-line JSON result. When anything is missing or fails, the peers are skipped and
 * the reason is reported.
 */
public final class NodeRuntime {
  private static final String RESOURCES = "/dev/pgconductor/bench/node/";
  private static final List<String> FILES =
      List.of("package.json", "common.mjs", "pgboss.mjs", "graphile.mjs");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;
  private final PrintStream log;
  private Optional<String> unavailable;
  private String nodeVersion = "?";

  public NodeRuntime(Path workDir, PrintStream log) {
    this.dir = workDir.resolve("node-peers");
    this.log = log;
  }

  /** Why the Node peers cannot run here, or empty; installs them on the first call. */
  public synchronized Optional<String> unavailableReason() {
    if (unavailable == null) {
      unavailable = prepare();
    }
    return unavailable;
  }

  public String nodeVersion() {
    return nodeVersion;
  }

  /** Version of an installed npm package, or "?". */
  public String packageVersion(String name) {
    try {
      JsonNode pkg =
          JSON.readTree(dir.resolve("node_modules").resolve(name).resolve("package.json").toFile());
      return pkg.path("version").asText("?");
    } catch (IOException e) {
      return "?";
    }
  }

  private Optional<String> prepare() {
    try {
      Exec node = exec(dir.getParent(), Duration.ofSeconds(20), "node", "--version");
      if (node.code != 0) {
        return Optional.of("node is not available (" + node.tail() + ")");
      }
      nodeVersion = node.out.strip();
      Exec npm = exec(dir.getParent(), Duration.ofSeconds(20), "npm", "--version");
      if (npm.code != 0) {
        return Optional.of("npm is not available (" + npm.tail() + ")");
      }
    } catch (IOException e) {
      return Optional.of("node/npm not found on PATH (" + e.getMessage() + ")");
    }
    try {
      Files.createDirectories(dir);
      boolean changed = false;
      for (String f : FILES) {
        byte[] content;
        try (InputStream in = NodeRuntime.class.getResourceAsStream(RESOURCES + f)) {
          content = in.readAllBytes();
        }
        Path target = dir.resolve(f);
        if (!Files.exists(target)
            || !java.util.Arrays.equals(Files.readAllBytes(target), content)) {
          Files.write(target, content);
          changed |= f.equals("package.json");
        }
      }
      Path stamp = dir.resolve("node_modules").resolve(".bench-installed");
      if (changed || !Files.exists(stamp)) {
        log.println("  installing the Node peers with npm into " + dir + " …");
        Exec install =
            exec(
                dir,
                Duration.ofMinutes(5),
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error");
        if (install.code != 0) {
          return Optional.of("npm install failed (" + install.tail() + ")");
        }
        Files.writeString(stamp, "ok\n");
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.of("could not set up the Node peers: " + e.getMessage());
    }
  }

  /** Runs a peer script with the workload as JSON; returns its result as a measurement. */
  Measurement run(String script, Map<String, Object> arguments, Duration timeout) throws Exception {
    Exec r = exec(dir, timeout, "node", script, JSON.writeValueAsString(arguments));
    String resultLine = null;
    for (String line : r.out.split("\n")) {
      if (line.startsWith("{\"result\"")) {
        resultLine = line;
      }
    }
    if (r.code != 0 || resultLine == null) {
      throw new IllegalStateException(
          "node " + script + " failed (exit " + r.code + "): " + r.tail());
    }
    JsonNode result = JSON.readTree(resultLine).path("result");
    Map<String, Double> details = new LinkedHashMap<>();
    result
        .path("details")
        .properties()
        .forEach(e -> details.put(e.getKey(), e.getValue().asDouble()));
    return new Measurement(
        List.of(Sample.throughput(result.path("throughput").asDouble())), details);
  }

  private record Exec(int code, String out, String err) {
    String tail() {
      String s = (err.isBlank() ? out : err).strip();
      return s.length() > 600 ? "…" + s.substring(s.length() - 600) : s;
    }
  }

  private static Exec exec(Path cwd, Duration timeout, String... command) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(command));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
    Path out = Files.createTempFile("bench-node-", ".out");
    Path err = Files.createTempFile("bench-node-", ".err");
    try {
      pb.redirectOutput(out.toFile()).redirectError(err.toFile());
      Process p = pb.start();
      boolean finished;
      try {
        finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
      if (!finished) {
        p.destroyForcibly();
        return new Exec(
            -1, "", "timed out after " + timeout.toSeconds() + " s: " + String.join(" ", command));
      }
      return new Exec(
          p.exitValue(),
          Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
