package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.Execution;
import dev.pgconductor.Origin;
import java.util.List;

/** The code of the reading section of docs/conductor.md: payload, origin and children. */
public final class ReadingExamples {
  private ReadingExamples() {}

  /** Says what an execution ran with, where it came from, and which children it invoked. */
  public static String describe(Conductor<?> conductor, String id) {
    // tag::read-back[]
    Execution<Object, Object> execution = conductor.getExecution(id).orElseThrow();
    String from =
        switch (execution.origin()) {
          case Origin.Invoked() -> "invoked";
          case Origin.Child(String parentId) -> "invoked by execution " + parentId;
          case Origin.Scheduled(String schedule) -> "run by schedule " + schedule;
          case Origin.Emitted(String event) -> "run by event " + event;
          case Origin.RowChanged(String source) -> "run by a change of " + source;
        };
    List<String> children =
        conductor.getChildren(id).stream() // oldest first
            .map(child -> child.taskName() + " " + child.state())
            .toList();
    String description =
        "%s of %s, %s, children %s"
            .formatted(execution.taskName(), execution.payload(), from, children);
    // end::read-back[]
    return description;
  }
}
