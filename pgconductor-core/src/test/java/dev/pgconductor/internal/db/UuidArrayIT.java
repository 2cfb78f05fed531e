package dev.pgconductor.internal.db;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgconductor.testing.PgDatabaseExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.core.BaseConnection;

/** Postgres reads a {@link UuidArray} as the same {@code uuid[]}, sent in binary or as text. */
class UuidArrayIT {
  @RegisterExtension static final PgDatabaseExtension db = new PgDatabaseExtension();

  static final UUID A = UUID.fromString("0190c2d4-5e6f-7a8b-9c0d-1e2f3a4b5c6d");
  static final UUID B = UUID.fromString("ffffffff-0000-4000-8000-000000000001");

  @ParameterizedTest(name = "binary transfer of uuid[] enabled: {0}")
  @ValueSource(booleans = {true, false})
  void postgresReadsTheIdsInOrderWithTheirNulls(boolean binary) throws SQLException {
    try (Connection c = connect(binary)) {
      assertThat(query(c, "select ?::text", new UuidArray(new UUID[] {A, null, B})))
          .isEqualTo("{" + A + ",NULL," + B + "}");
      assertThat(query(c, "select (?)[3]::text", new UuidArray(new UUID[] {A, null, B})))
          .isEqualTo(B.toString());
    }
  }

  @ParameterizedTest(name = "binary transfer of uuid[] enabled: {0}")
  @ValueSource(booleans = {true, false})
  void anEmptyArrayIsEmptyNotNull(boolean binary) throws SQLException {
    try (Connection c = connect(binary)) {
      UuidArray empty = new UuidArray(new UUID[0]);
      assertThat(query(c, "select coalesce(cardinality(?)::text, 'null')", empty)).isEqualTo("0");
    }
  }

  @Test
  void aLargeArrayArrivesWhole() throws SQLException {
    UUID[] ids = new UUID[5000];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = new UUID(i, -i);
    }
    try (Connection c = connect(true)) {
      assertThat(
              query(
                  c,
                  "select count(distinct u) || '/' || count(*) from unnest(?::uuid[]) u",
                  new UuidArray(ids)))
          .isEqualTo("5000/5000");
      assertThat(query(c, "select (?::uuid[])[4321]::text", new UuidArray(ids)))
          .isEqualTo(ids[4320].toString());
    }
  }

  @Test
  void readsTheBinaryFormPostgresSends() throws SQLException {
    try (Connection c = connect(false);
        PreparedStatement ps =
            c.prepareStatement("select array_send(?::uuid[]), array_send('{}'::uuid[])")) {
      ps.setString(1, "{" + A + ",NULL," + B + "}");
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        UuidArray read = new UuidArray(new UUID[0]);
        read.setByteValue(rs.getBytes(1), 0);
        assertThat(read.getValue()).isEqualTo("{" + A + ",NULL," + B + "}");
        read.setByteValue(rs.getBytes(2), 0);
        assertThat(read.getValue()).isEqualTo("{}");
      }
    }
  }

  private static Connection connect(boolean binary) throws SQLException {
    String separator = db.url().contains("?") ? "&" : "?";
    Connection c =
        DriverManager.getConnection(
            binary ? db.url() + separator + "binaryTransferEnable=" + UuidArray.OID : db.url());
    // the test is only worth something if each case takes the path it names
    assertThat(c.unwrap(BaseConnection.class).binaryTransferSend(UuidArray.OID)).isEqualTo(binary);
    return c;
  }

  private static String query(Connection c, String sql, UuidArray ids) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setObject(1, ids);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }
}
