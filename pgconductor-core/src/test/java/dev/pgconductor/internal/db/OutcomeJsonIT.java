package dev.pgconductor.internal.db;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pgconductor.testing.PgDatabaseExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The JSON a worker sends to {@code pgconductor.flush} names the fields of {@code
 * pgconductor.outcome} and the labels of {@code pgconductor.outcome_kind}: a misspelt key would
 * silently arrive as null.
 */
class OutcomeJsonIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  @BeforeAll
  static void install() {
    db.installSchema();
  }

  @Test
  void everyVariantWritesOnlyFieldsAndKindsTheCompositeTypeHas() throws Exception {
    Claimed c =
        new Claimed(
            UUID.randomUUID(),
            "task",
            "{}",
            2,
            3,
            null,
            "invoked",
            null,
            Instant.now(),
            Instant.now(),
            "{}",
            Instant.now(),
            null,
            System.nanoTime());
    List<Outcome> every =
        List.of(
            new Outcome.Completed(c, true, "{\"a\":1}"),
            new Outcome.Failed(c, true, "boom", "stack", 3),
            new Outcome.Released(c, true),
            new Outcome.Unstarted(c),
            new Outcome.Sleeping(c, true, Instant.now()),
            new Outcome.Waiting(
                c,
                true,
                "step",
                Instant.now(),
                new Outcome.Child(UUID.randomUUID(), "child", "default", "{\"b\":2}")),
            new Outcome.Cancelled(c, true));

    JsonNode rows = new ObjectMapper().readTree(OutcomeJson.write(every));

    Set<String> keys = new HashSet<>();
    List<String> kinds = new ArrayList<>();
    rows.forEach(
        row -> {
          row.fieldNames().forEachRemaining(keys::add);
          kinds.add(row.get("kind").asText());
        });
    assertThat(
            query(
                "select attname from pg_attribute"
                    + " where attrelid = 'pgconductor.outcome'::regclass and attnum > 0"))
        .as("fields of pgconductor.outcome")
        .containsAll(keys);
    assertThat(keys)
        .as("every field is written by some variant")
        .containsExactlyInAnyOrderElementsOf(
            query(
                "select attname from pg_attribute"
                    + " where attrelid = 'pgconductor.outcome'::regclass and attnum > 0"));
    assertThat(kinds)
        .as("one variant per kind, in the enum's order")
        .containsExactlyElementsOf(
            query("select unnest(enum_range(null::pgconductor.outcome_kind))::text"));
  }

  private static List<String> query(String sql) throws Exception {
    List<String> values = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }
}
