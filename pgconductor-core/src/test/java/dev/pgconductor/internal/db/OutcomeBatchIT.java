package dev.pgconductor.internal.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a worker sends to {@code pgconductor.flush} arrives as it was meant: every variant of {@link
 * Outcome}, read back through {@code pgconductor.outcome_rows}, has the kind and the fields it was
 * written with, whatever characters its texts and JSON hold.
 */
class OutcomeBatchIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  /** Quotes, backslashes, braces, commas, parentheses, blanks, NULL as a word, and non-ASCII. */
  static final String NASTY =
      "a \"quoted\" \\back\\slash\\ {brace}, (paren) NULL \n\ttab ünïcødé 🎉 '' \"\" \\\"";

  @BeforeAll
  static void install() {
    db.installSchema();
  }

  @Test
  void everyVariantArrivesWithItsKindAndFieldsWhateverItsTextsHold() throws Exception {
    Instant until = Instant.parse("2026-12-07T01:02:03.456Z");
    UUID child = UUID.randomUUID();
    String json =
        "{\"s\": \""
            + NASTY
                .replace("\\", "\\\\")
                .replace("\"", "\\\"")
                .replace("\n", "\\n")
                .replace("\t", "\\t")
            + "\", \"n\": [1, 2.5, null, true]}";
    List<Outcome> every =
        List.of(
            new Outcome.Completed(claim(1), true, json),
            new Outcome.Completed(claim(2), false, "null"),
            new Outcome.Failed(claim(3), true, NASTY, NASTY + " stack", 3),
            new Outcome.Released(claim(4), true),
            new Outcome.Interrupted(claim(10), false, NASTY, 2),
            new Outcome.Unstarted(claim(5)),
            new Outcome.Sleeping(claim(6), false, until),
            new Outcome.Waiting(
                claim(7),
                true,
                NASTY,
                until,
                new Outcome.Child(child, "child-task", "child-queue", json)),
            new Outcome.Waiting(
                claim(8), false, "again", null, new Outcome.Child(child, "t", "q", null)),
            new Outcome.Cancelled(claim(9), false));
    OutcomeBatch batch = new OutcomeBatch(every);

    List<List<Object>> rows = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select r.*, r.result::text as result_text, r.child_payload::text as payload_text"
                    + " from pgconductor.outcome_rows(?, ?::pgconductor.outcome_batch) r")) {
      ps.setObject(1, new UuidArray(batch.ids()));
      ps.setString(2, batch.literal());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          List<Object> row = new ArrayList<>();
          row.add(rs.getObject("id", UUID.class));
          row.add(rs.getInt("lease"));
          row.add(rs.getString("kind"));
          row.add(rs.getString("result_text"));
          row.add(rs.getString("error"));
          row.add(rs.getString("stack"));
          row.add(rs.getObject("max_attempts"));
          row.add(rs.getTimestamp("run_at") == null ? null : rs.getTimestamp("run_at").toInstant());
          row.add(rs.getString("step"));
          row.add(rs.getObject("child_id", UUID.class));
          row.add(rs.getString("child_task"));
          row.add(rs.getString("child_queue"));
          row.add(rs.getString("payload_text"));
          row.add(rs.getObject("attempt"));
          row.add(rs.getBoolean("has_steps"));
          rows.add(row);
        }
      }
    }

    String jsonb =
        db.dataSourceQueryString("select '" + json.replace("'", "''") + "'::jsonb::text");
    assertThat(rows).hasSize(every.size());
    assertThat(rows.get(0))
        .containsExactly(
            every.get(0).id(),
            1,
            "completed",
            jsonb,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            true);
    assertThat(rows.get(1).subList(2, 4)).containsExactly("completed", "null");
    assertThat(rows.get(2))
        .containsExactly(
            every.get(2).id(),
            3,
            "failed",
            null,
            NASTY,
            NASTY + " stack",
            3,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            true);
    assertThat(rows.get(3).subList(2, 3)).containsExactly("released");
    assertThat(rows.get(4).subList(2, 7)).containsExactly("interrupted", null, NASTY, null, 2);
    assertThat(rows.get(5).subList(2, 3)).containsExactly("unstarted");
    assertThat(rows.get(6).subList(2, 8))
        .containsExactly("sleeping", null, null, null, null, until);
    assertThat(rows.get(7))
        .containsExactly(
            every.get(7).id(),
            7,
            "waiting",
            null,
            null,
            null,
            null,
            until,
            NASTY,
            child,
            "child-task",
            "child-queue",
            jsonb,
            2,
            true);
    assertThat(rows.get(8))
        .containsExactly(
            every.get(8).id(),
            8,
            "waiting",
            null,
            null,
            null,
            null,
            null,
            "again",
            child,
            null,
            null,
            null,
            2,
            false);
    assertThat(rows.get(9).subList(2, 3)).containsExactly("cancelled");
    assertThat(rows.stream().map(r -> (String) r.get(2)).distinct().toList())
        .as("one variant per kind, in the enum's order")
        .containsExactlyElementsOf(
            List.of(
                db.dataSourceQueryString(
                        "select string_agg(k::text, ',') from"
                            + " unnest(enum_range(null::pgconductor.outcome_kind)) k")
                    .split(",")));
  }

  @Test
  void anEmptyBatchHasNoRows() throws Exception {
    OutcomeBatch batch = new OutcomeBatch(List.of());
    try (Connection c = db.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "select count(*) from pgconductor.outcome_rows(?, ?::pgconductor.outcome_batch)")) {
      ps.setObject(1, new UuidArray(batch.ids()));
      ps.setString(2, batch.literal());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getInt(1)).isZero();
      }
    }
  }

  private static Claimed claim(int lease) {
    return new Claimed(
        UUID.randomUUID(),
        "task",
        "{}",
        2,
        lease,
        null,
        "invoked",
        null,
        Instant.now(),
        0,
        "{}",
        Instant.now(),
        null,
        System.nanoTime());
  }
}
