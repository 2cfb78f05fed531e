package dev.pgconductor.internal.listen;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.pgconductor.ExecutionTracer;
import dev.pgconductor.ExecutionTracer.RunOutcome;
import dev.pgconductor.ExecutionTracer.SendKind;
import dev.pgconductor.internal.json.JsonCodec;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Conductor's {@link ExecutionTracer}, or none. Callers test {@link #active()} first, so that
 * without a tracer nothing is computed. Headers travel to and from the database as a JSON object
 * (column {@code executions.trace_context}). A tracer that throws is logged and ignored: a send
 * then stores no headers, a run goes on untraced.
 */
public final class Tracing {
  private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);
  // Pools its buffers across threads (see JsonCodec.defaultMapper): headers are read on each
  // run's new virtual thread, where a mapper with Jackson's per-thread pool allocated and zeroed
  // fresh buffers for every run, which was most of what tracing cost a no-op drain.
  private static final ObjectMapper MAPPER = JsonCodec.defaultMapper();
  private static final ObjectReader HEADERS_READER =
      MAPPER.readerFor(new TypeReference<Map<String, String>>() {});
  private static final ObjectWriter HEADERS_WRITER = MAPPER.writerFor(Map.class);

  /** No tracer. */
  public static final Tracing NONE = new Tracing(null);

  private final ExecutionTracer tracer;

  private Tracing(ExecutionTracer tracer) {
    this.tracer = tracer;
  }

  public static Tracing of(ExecutionTracer tracer) {
    return tracer == null ? NONE : new Tracing(tracer);
  }

  /** Whether there is a tracer. */
  public boolean active() {
    return tracer != null;
  }

  /** A send in progress: its headers as JSON (null: none) to store, and its end. */
  public static final class Sent {
    private static final Sent UNTRACED = new Sent(null, null);
    private final ExecutionTracer.Send send;
    private final String headersJson;

    private Sent(ExecutionTracer.Send send, String headersJson) {
      this.send = send;
      this.headersJson = headersJson;
    }

    /** The headers to store, as a JSON object; null when there are none. */
    public String headersJson() {
      return headersJson;
    }

    /** The write is over ({@code error} null) or failed. */
    public void end(Throwable error) {
      if (send != null) {
        try {
          send.end(error);
        } catch (RuntimeException e) {
          LOG.warn("Tracer {} failed: {}", send.getClass().getName(), e.toString(), e);
        }
      }
    }
  }

  /** Starts a send (only call when {@link #active()}). */
  public Sent send(SendKind kind, String name, String queue) {
    try {
      ExecutionTracer.Send send = tracer.startSend(kind, name, queue);
      Map<String, String> headers = send.headers();
      return new Sent(
          send,
          headers == null || headers.isEmpty() ? null : HEADERS_WRITER.writeValueAsString(headers));
    } catch (RuntimeException | JsonProcessingException e) {
      LOG.warn("Tracer {} failed: {}", tracer.getClass().getName(), e.toString(), e);
      return Sent.UNTRACED;
    }
  }

  /**
   * Runs {@code body} as a send: the headers it is given are stored with what it writes.
   *
   * @param body takes the headers as JSON, or null when there is no tracer
   */
  public <T> T sending(
      SendKind kind, String name, String queue, java.util.function.Function<String, T> body) {
    if (tracer == null) {
      return body.apply(null);
    }
    Sent sent = send(kind, name, queue);
    T result;
    try {
      result = body.apply(sent.headersJson());
    } catch (RuntimeException | Error e) {
      sent.end(e);
      throw e;
    }
    sent.end(null);
    return result;
  }

  /** A run in progress; never null, a no-op when the tracer failed. */
  public static final class Run {
    private static final Run UNTRACED = new Run(null);
    private final ExecutionTracer.Attempt attempt;
    private boolean ended;

    private Run(ExecutionTracer.Attempt attempt) {
      this.attempt = attempt;
    }

    public void stepRecorded(String name, Duration duration) {
      if (attempt != null) {
        try {
          attempt.stepRecorded(name, duration);
        } catch (RuntimeException e) {
          LOG.warn("Tracer {} failed: {}", attempt.getClass().getName(), e.toString(), e);
        }
      }
    }

    /** Ends the run (once: later calls do nothing). */
    public void end(RunOutcome outcome, Throwable error) {
      if (attempt != null && !ended) {
        ended = true;
        try {
          attempt.end(outcome, error);
        } catch (RuntimeException e) {
          LOG.warn("Tracer {} failed: {}", attempt.getClass().getName(), e.toString(), e);
        }
      }
    }
  }

  /** Starts a run on the handler's thread (only call when {@link #active()}). */
  public Run startAttempt(
      String executionId,
      String taskName,
      String queue,
      int attempt,
      String origin,
      String parentId,
      String headersJson) {
    try {
      Map<String, String> headers =
          headersJson == null ? Map.of() : HEADERS_READER.readValue(headersJson);
      return new Run(
          tracer.startAttempt(
              new ExecutionTracer.AttemptInfo(
                  executionId, taskName, queue, attempt, origin, parentId, headers)));
    } catch (RuntimeException | JsonProcessingException e) {
      LOG.warn("Tracer {} failed: {}", tracer.getClass().getName(), e.toString(), e);
      return Run.UNTRACED;
    }
  }
}
