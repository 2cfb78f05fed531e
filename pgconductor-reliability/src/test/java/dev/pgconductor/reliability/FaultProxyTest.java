package dev.pgconductor.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The proxy forwards, delays, black-holes (and heals) and resets, against an echo server. */
class FaultProxyTest {
  private ServerSocket echo;
  private FaultProxy proxy;

  @BeforeEach
  void startEchoServerAndProxy() throws IOException {
    echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .start(
            () -> {
              while (!echo.isClosed()) {
                try {
                  Socket s = echo.accept();
                  Thread.ofVirtual().start(() -> echoAll(s));
                } catch (IOException closed) {
                  return;
                }
              }
            });
    proxy = new FaultProxy(echo.getLocalPort());
  }

  @AfterEach
  void stop() throws IOException {
    proxy.close();
    echo.close();
  }

  @Test
  void forwardsBothWays() throws IOException {
    try (Socket client = connect()) {
      assertThat(roundTrip(client, 'a')).isEqualTo('a');
    }
  }

  @Test
  void aBlackHoleHoldsTheBytesUntilItHeals() throws IOException {
    try (Socket client = connect()) {
      assertThat(roundTrip(client, 'a')).isEqualTo('a');
      proxy.blackHole();
      client.getOutputStream().write('b');
      client.setSoTimeout(300);
      assertThatThrownBy(() -> client.getInputStream().read())
          .isInstanceOf(SocketTimeoutException.class);
      proxy.heal();
      client.setSoTimeout(5000);
      assertThat(client.getInputStream().read()).isEqualTo('b');
    }
  }

  @Test
  void aDelayDelaysEachChunk() throws IOException {
    try (Socket client = connect()) {
      proxy.delay(200);
      long start = System.nanoTime();
      assertThat(roundTrip(client, 'a')).isEqualTo('a');
      // one delay on the way there and one on the way back
      assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(400);
    }
  }

  @Test
  void aResetClosesTheConnection() throws IOException {
    try (Socket client = connect()) {
      assertThat(roundTrip(client, 'a')).isEqualTo('a');
      proxy.resetAll();
      client.setSoTimeout(5000);
      int read;
      try {
        read = client.getInputStream().read();
      } catch (IOException reset) {
        read = -1;
      }
      assertThat(read).isEqualTo(-1);
    }
  }

  private Socket connect() throws IOException {
    Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    client.setSoTimeout(5000);
    return client;
  }

  private static int roundTrip(Socket client, char c) throws IOException {
    client.getOutputStream().write(c);
    client.getOutputStream().flush();
    return client.getInputStream().read();
  }

  private static void echoAll(Socket s) {
    try (s;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      int b;
      while ((b = in.read()) >= 0) {
        out.write(b);
        out.flush();
      }
    } catch (IOException gone) {
      // the client or the proxy closed
    }
  }
}
