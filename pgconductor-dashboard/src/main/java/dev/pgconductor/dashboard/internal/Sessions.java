package dev.pgconductor.dashboard.internal;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Browser sessions, in memory: each has a random id (the cookie), a CSRF token its forms carry, and
 * whether it signed in with the access token. Idle sessions expire after 12 hours; a restart
 * forgets them all.
 */
final class Sessions {
  static final String COOKIE = "pgconductor_dashboard";
  private static final Duration IDLE = Duration.ofHours(12);
  private static final int MAX = 10_000;

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();

  /** A session of one browser. */
  static final class Session {
    final String id;
    final String csrf;
    final boolean signedIn;
    volatile Instant lastSeen = Instant.now();

    Session(String id, String csrf, boolean signedIn) {
      this.id = id;
      this.csrf = csrf;
      this.signedIn = signedIn;
    }
  }

  /** The live session with this id, or null. */
  Session find(String id) {
    if (id == null) {
      return null;
    }
    Session session = sessions.get(id);
    if (session == null) {
      return null;
    }
    Instant now = Instant.now();
    if (session.lastSeen.plus(IDLE).isBefore(now)) {
      sessions.remove(id);
      return null;
    }
    session.lastSeen = now;
    return session;
  }

  /** A new session. */
  Session create(boolean signedIn) {
    if (sessions.size() >= MAX) {
      Instant cutoff = Instant.now().minus(IDLE);
      sessions.values().removeIf(s -> s.lastSeen.isBefore(cutoff));
      if (sessions.size() >= MAX) {
        // a flood of sessions: forget the oldest rather than grow without bound
        sessions.values().stream()
            .min((a, b) -> a.lastSeen.compareTo(b.lastSeen))
            .ifPresent(s -> sessions.remove(s.id));
      }
    }
    Session session = new Session(randomToken(), randomToken(), signedIn);
    sessions.put(session.id, session);
    return session;
  }

  private String randomToken() {
    byte[] bytes = new byte[24];
    random.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
