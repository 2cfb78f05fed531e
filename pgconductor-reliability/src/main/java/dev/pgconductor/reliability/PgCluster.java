package dev.pgconductor.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway Postgres cluster the harness fully controls: created with {@code initdb} in a temp
 * directory, started and stopped with {@code pg_ctl} (fast or immediate) on the same data directory
 * and port, so that an outage can be injected and healed.
 *
 * <p>Postgres refuses to run as root. When the harness runs as root, every server command runs
 * through {@code runuser -u postgres} (or {@code nobody} when there is no {@code postgres} user),
 * and the cluster's directory is handed to that user.
 */
public final class PgCluster implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PgCluster.class);

  /** How {@link #stop} shuts the server down. */
  public enum StopMode {
    /** Disconnects clients, checkpoints, exits: a clean restart. */
    FAST,
    /** Exits at once without a checkpoint; the next start runs crash recovery. */
    IMMEDIATE
  }

  private final Path bin;
  private final Path dir;
  private final Path data;
  private final int port;
  private final String runAs;
  private volatile boolean running;

  private PgCluster(Path bin, Path dir, int port, String runAs) {
    this.bin = bin;
    this.dir = dir;
    this.data = dir.resolve("data");
    this.port = port;
    this.runAs = runAs;
  }

  /** Creates a cluster in a new temp directory with binaries from {@code bin}; not started. */
  public static PgCluster create(Path bin) {
    try {
      Path dir = Files.createTempDirectory("pgconductor-reliability-cluster-");
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
      String runAs = isRoot(dir) ? unprivilegedUser() : null;
      PgCluster cluster = new PgCluster(bin, dir, freePort(), runAs);
      if (runAs != null) {
        LOG.info("running as root: the Postgres server runs as user {}", runAs);
        Files.setOwner(dir, user(runAs));
      }
      cluster.initdb();
      return cluster;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a Postgres cluster", e);
    }
  }

  private void initdb() throws IOException {
    run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            data.toString(),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync"),
        120);
    // settings go in the config file rather than on pg_ctl's command line: no shell quoting
    String settings =
        String.join(
            "\n",
            "",
            "# pgconductor-reliability",
            "port = " + port,
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = '" + dir + "'",
            "max_connections = 300",
            "fsync = off", // nothing here survives the machine; the OS keeps what a kill left
            "full_page_writes = off",
            "shared_buffers = 128MB",
            "log_min_messages = warning",
            "");
    Files.writeString(
        data.resolve("postgresql.conf"),
        settings,
        StandardCharsets.UTF_8,
        StandardOpenOption.APPEND);
  }

  /** Starts the server and waits until it accepts connections. */
  public void start() {
    run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            data.toString(),
            "-l",
            dir.resolve("server.log").toString(),
            "-w",
            "-t",
            "120",
            "start"),
        150);
    running = true;
    LOG.info("Postgres cluster started on port {}", port);
  }

  /** Stops the server. */
  public void stop(StopMode mode) {
    run(
        List.of(
            bin.resolve("pg_ctl").toString(),
            "-D",
            data.toString(),
            "-w",
            "-t",
            "120",
            "-m",
            mode == StopMode.FAST ? "fast" : "immediate",
            "stop"),
        150);
    running = false;
  }

  /** The port the server listens on, at 127.0.0.1. */
  public int port() {
    return port;
  }

  /** A JDBC URL of a database of this cluster, as the superuser {@code postgres}. */
  public String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
  }

  /** Creates a database (dropping one of that name first). */
  public void createDatabase(String name) {
    try (Connection c = DriverManager.getConnection(url("postgres"));
        Statement st = c.createStatement()) {
      String quoted = '"' + name.replace("\"", "\"\"") + '"';
      st.execute("drop database if exists " + quoted + " with (force)");
      st.execute("create database " + quoted);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name, e);
    }
  }

  @Override
  public void close() {
    if (running) {
      try {
        stop(StopMode.IMMEDIATE);
      } catch (RuntimeException e) {
        LOG.warn("could not stop the cluster: {}", e.getMessage());
      }
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}", dir, e.getMessage());
    }
  }

  private void run(List<String> command, int timeoutSeconds) {
    List<String> full = new ArrayList<>();
    if (runAs != null) {
      full.addAll(List.of("runuser", "-u", runAs, "--"));
    }
    full.addAll(command);
    try {
      Process p =
          new ProcessBuilder(full)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("pg_ctl.out").toFile())
              .start();
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", full));
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", full)
                + " exited with "
                + p.exitValue()
                + ":\n"
                + Files.readString(dir.resolve("pg_ctl.out"))
                + tail(dir.resolve("server.log")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String tail(Path log) throws IOException {
    if (!Files.exists(log)) {
      return "";
    }
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
  }

  private static boolean isRoot(Path owned) throws IOException {
    return ((Integer) Files.getAttribute(owned, "unix:uid", LinkOption.NOFOLLOW_LINKS)) == 0;
  }

  private static String unprivilegedUser() {
    for (String name : List.of("postgres", "nobody")) {
      try {
        user(name);
        return name;
      } catch (IOException absent) {
        // try the next one
      }
    }
    throw new IllegalStateException(
        "running as root, and there is no user postgres or nobody to run the Postgres server as;"
            + " run the harness as an ordinary user");
  }

  private static UserPrincipal user(String name) throws IOException {
    return java.nio.file.FileSystems.getDefault()
        .getUserPrincipalLookupService()
        .lookupPrincipalByName(name);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
