package dev.pgconductor.examples.guide;

import dev.pgconductor.Conductor;
import dev.pgconductor.Invocation;
import dev.pgconductor.InvokeOptions;
import dev.pgconductor.Task;
import dev.pgconductor.TaskDefinition;
import dev.pgconductor.TaskOptions;
import dev.pgconductor.Trigger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;

/** The code of the invoking section of docs/conductor.md: options and batches. */
public final class InvokingExamples {
  private InvokingExamples() {}

  /** Rebuild the search index entry of one document. */
  public record Reindex(String documentId) {}

  /** Remind a user of something. */
  public record Remind(String userId, String text) {}

  public static final TaskDefinition<Reindex, Void> REINDEX =
      TaskDefinition.of("reindex-document", Reindex.class);
  public static final TaskDefinition<Remind, Void> REMIND =
      TaskDefinition.of("send-reminder", Remind.class);

  /** A document was edited: reindex it, once, however often it is edited before that runs. */
  public static String onDocumentEdited(Conductor<?> conductor, String documentId) {
    // tag::dedupe[]
    String id =
        conductor
            .invoke(
                REINDEX,
                new Reindex(documentId),
                InvokeOptions.builder()
                    .dedupeKey("doc-" + documentId) // one pending reindex per document
                    .runAt(Instant.now().plusSeconds(10)) // let a burst of edits settle
                    .build())
            .orElseThrow();
    // end::dedupe[]
    return id;
  }

  /** The reindex task: each edit after a reindex completed needs a reindex again. */
  public static Task<Reindex, Void> reindexTask(Conductor<?> conductor, SearchIndex index) {
    // tag::free-key[]
    Task<Reindex, Void> reindex =
        conductor.createTask(
            TaskOptions.of(REINDEX)
                .freeDedupeKeyOnFinish(), // an edit after a reindex needs another
            Trigger.invocable(),
            (event, ctx) -> {
              index.rebuild(event.payload().documentId());
              return null;
            });
    // end::free-key[]
    return reindex;
  }

  /** The search index the reindex task rebuilds entries of. */
  public interface SearchIndex {
    void rebuild(String documentId);
  }

  /** A reminder due in an hour, ahead of other work on the queue once it is due. */
  public static String remindLater(Conductor<?> conductor, String userId) {
    // tag::priority-run-at[]
    String id =
        conductor
            .invoke(
                REMIND,
                new Remind(userId, "Your trial ends tomorrow"),
                InvokeOptions.builder()
                    .priority(10) // higher runs first; default 0
                    .runAt(Instant.now().plus(Duration.ofHours(1))) // not before
                    .build())
            .orElseThrow();
    // end::priority-run-at[]
    return id;
  }

  /** Reindexes many documents in one round trip. */
  public static List<String> reindexAll(Conductor<?> conductor, List<String> documentIds) {
    // tag::batch[]
    List<Invocation<Reindex>> invocations =
        documentIds.stream()
            .map(docId -> Invocation.of(new Reindex(docId)).dedupeKey("doc-" + docId))
            .toList();
    List<String> ids = conductor.invokeBatch(REINDEX, invocations); // same order as the input
    // end::batch[]
    return ids;
  }

  /** A batch whose elements carry different options. */
  public static List<String> mixedBatch(Conductor<?> conductor) {
    // tag::batch-options[]
    List<String> ids =
        conductor.invokeBatch(
            REMIND,
            List.of(
                Invocation.of(new Remind("u1", "Welcome!")),
                Invocation.of(new Remind("u2", "Payment failed")).priority(10),
                Invocation.of(new Remind("u3", "See you tomorrow"))
                    .runAt(Instant.now().plus(Duration.ofDays(1)))));
    // end::batch-options[]
    return ids;
  }

  /** Sign-up: the user row and the reminder commit together, or neither does. */
  public static String signUp(Conductor<?> conductor, DataSource appDataSource, String userId)
      throws SQLException {
    // tag::in-transaction[]
    try (Connection c = appDataSource.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("insert into users (id) values (?)")) {
        ps.setString(1, userId);
        ps.executeUpdate();
      }
      String id = conductor.invoke(c, REMIND, new Remind(userId, "Welcome!")).orElseThrow();
      c.commit(); // the execution exists from here on; a rollback would have dropped it
      return id;
    }
    // end::in-transaction[]
  }
}
