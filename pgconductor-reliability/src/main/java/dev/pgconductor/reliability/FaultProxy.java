package dev.pgconductor.reliability;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy between one worker JVM and Postgres that can delay, reset or black-hole its
 * connections. Each accepted connection gets two pump threads (virtual), one per direction.
 *
 * <ul>
 *   <li>{@link #delay}: every chunk waits that long before it is forwarded.
 *   <li>{@link #blackHole}: nothing is forwarded and new connections are not passed on, but no
 *       socket is closed: to the worker, Postgres just went silent. What was sent meanwhile waits
 *       in the socket buffers and flows once {@link #heal} is called, so late writes really arrive
 *       late.
 *   <li>{@link #resetAll}: every open connection is closed with a TCP reset.
 * </ul>
 */
public final class FaultProxy implements AutoCloseable {
  private final ServerSocket server;
  private final int upstreamPort;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile long delayMillis;
  private volatile boolean blackHoled;
  private volatile boolean closed;

  /** Listens on a free port of 127.0.0.1 and forwards to {@code upstreamPort} there. */
  public FaultProxy(int upstreamPort) {
    this.upstreamPort = upstreamPort;
    try {
      this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread.ofPlatform().daemon().name("proxy-accept-" + port()).start(this::acceptLoop);
  }

  /** The port workers connect to. */
  public int port() {
    return server.getLocalPort();
  }

  /** Delays every forwarded chunk by {@code millis} (0: no delay). */
  public void delay(long millis) {
    this.delayMillis = millis;
  }

  /** Stops forwarding anything, without closing a connection. */
  public void blackHole() {
    blackHoled = true;
  }

  /** Forwards again: ends a black hole (what waited flows now) and any delay. */
  public void heal() {
    blackHoled = false;
    delayMillis = 0;
  }

  /** Closes every open connection with a TCP reset. */
  public void resetAll() {
    for (Socket s : open) {
      try {
        s.setSoLinger(true, 0); // a close with linger 0 sends RST
        s.close();
      } catch (IOException ignored) {
        // already gone
      }
    }
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        Thread.ofVirtual().start(() -> connect(client));
      } catch (IOException e) {
        if (!closed) {
          sleepMillis(10);
        }
      }
    }
  }

  private void connect(Socket client) {
    waitWhileBlackHoled();
    try {
      Socket upstream = new Socket();
      upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 5000);
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
      open.add(client);
      open.add(upstream);
      Thread.ofVirtual().start(() -> pump(client, upstream));
      Thread.ofVirtual().start(() -> pump(upstream, client));
    } catch (IOException e) {
      closeQuietly(client);
    }
  }

  private void pump(Socket from, Socket to) {
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      while (true) {
        waitWhileBlackHoled(); // not reading leaves the bytes in the kernel's buffers
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        long delay = delayMillis;
        if (delay > 0) {
          sleepMillis(delay);
        }
        waitWhileBlackHoled();
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side closed or was reset; close the other below
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void waitWhileBlackHoled() {
    while (blackHoled && !closed) {
      LockSupport.parkNanos(5_000_000);
    }
  }

  private void closeQuietly(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  private static void sleepMillis(long millis) {
    try {
      Thread.sleep(millis); // paces the fault itself: this is the injected delay
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    resetAll();
  }
}
