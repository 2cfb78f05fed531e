package dev.pgconductor.internal.db;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes a batch of outcomes as the JSON array {@code pgconductor.flush} reads into {@code
 * pgconductor.outcome} rows: field names are the composite type's, kinds its {@code outcome_kind}
 * labels, and results and child payloads are embedded as JSON, not as strings.
 */
final class OutcomeJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private OutcomeJson() {}

  static String write(List<Outcome> outcomes) {
    StringWriter out = new StringWriter(outcomes.size() * 96);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartArray();
      for (Outcome outcome : outcomes) {
        g.writeStartObject();
        g.writeStringField("id", outcome.id().toString());
        g.writeNumberField("lease", outcome.claimed().lease());
        if (outcome.hasSteps()) {
          g.writeBooleanField("has_steps", true);
        }
        switch (outcome) {
          case Outcome.Completed c -> {
            g.writeStringField("kind", "completed");
            g.writeFieldName("result");
            g.writeRawValue(c.resultJson());
          }
          case Outcome.Failed f -> {
            g.writeStringField("kind", "failed");
            g.writeStringField("error", f.error());
            if (f.stack() != null) {
              g.writeStringField("stack", f.stack());
            }
            g.writeNumberField("max_attempts", f.maxAttempts());
          }
          case Outcome.Released r -> g.writeStringField("kind", "released");
          case Outcome.Unstarted u -> g.writeStringField("kind", "unstarted");
          case Outcome.Sleeping s -> {
            g.writeStringField("kind", "sleeping");
            g.writeStringField("run_at", s.until().toString());
          }
          case Outcome.Waiting w -> {
            g.writeStringField("kind", "waiting");
            g.writeStringField("step", w.step());
            if (w.deadline() != null) {
              g.writeStringField("run_at", w.deadline().toString());
            }
            g.writeNumberField("attempt", w.claimed().attempt());
            Outcome.Child child = w.child();
            g.writeStringField("child_id", child.id().toString());
            if (child.payloadJson() != null) {
              g.writeStringField("child_task", child.task());
              g.writeStringField("child_queue", child.queue());
              g.writeFieldName("child_payload");
              g.writeRawValue(child.payloadJson());
            }
          }
          case Outcome.Cancelled c -> g.writeStringField("kind", "cancelled");
        }
        g.writeEndObject();
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.toString();
  }
}
