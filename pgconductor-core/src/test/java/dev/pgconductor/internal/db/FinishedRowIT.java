package dev.pgconductor.internal.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The flush lists the columns of a finished execution itself (pgconductor.finished_row serves the
 * other paths): a column added to finished_executions and forgotten there would silently stay null
 * for nearly every execution.
 */
class FinishedRowIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  @BeforeAll
  static void install() {
    db.installSchema();
  }

  @Test
  void theFlushWritesEveryColumnOfAFinishedExecution() throws Exception {
    String flush =
        db.dataSourceQueryString(
            "select prosrc from pg_proc where proname = 'flush'"
                + " and pronamespace = 'pgconductor'::regnamespace");
    Matcher insert =
        Pattern.compile("insert into pgconductor\\.finished_executions\\s*\\(([^)]*)\\)")
            .matcher(flush);
    assertThat(insert.find()).as("the flush inserts into finished_executions").isTrue();
    List<String> listed = Arrays.stream(insert.group(1).split(",")).map(String::strip).toList();

    assertThat(listed)
        .containsExactlyElementsOf(
            query(
                "select attname from pg_attribute"
                    + " where attrelid = 'pgconductor.finished_executions'::regclass"
                    + " and attnum > 0 and not attisdropped order by attnum"));
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
