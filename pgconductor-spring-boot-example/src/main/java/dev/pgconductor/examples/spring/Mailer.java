package dev.pgconductor.examples.spring;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** Stands in for a mail service: logs each mail and remembers it. */
@Component
public class Mailer {
  private static final Logger LOG = LoggerFactory.getLogger(Mailer.class);

  /** A mail sent. */
  public record Mail(String to, String text) {}

  private final List<Mail> sent = new CopyOnWriteArrayList<>();

  /** Sends a mail. */
  public void send(String to, String text) {
    LOG.info("mail to {}: {}", to, text);
    sent.add(new Mail(to, text));
  }

  /** The mails sent so far. */
  public List<Mail> sent() {
    return List.copyOf(sent);
  }
}
