package dev.pgconductor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgconductor.internal.db.ConnectionStrings;
import org.junit.jupiter.api.Test;

class ConnectionStringsTest {
  @Test
  void libpqUrisBecomeJdbcUrlsWithCredentialsAsParameters() {
    assertThat(
            ConnectionStrings.toJdbcUrl(
                "postgres://app:s3cr%40t@db.example:6543/orders?sslmode=require"))
        .isEqualTo(
            "jdbc:postgresql://db.example:6543/orders?sslmode=require&user=app&password=s3cr%40t");
    assertThat(ConnectionStrings.toJdbcUrl("postgresql://localhost/mydb"))
        .isEqualTo("jdbc:postgresql://localhost/mydb");
  }

  @Test
  void jdbcUrlsPassThrough() {
    String url = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
    assertThat(ConnectionStrings.toJdbcUrl(url)).isEqualTo(url);
  }

  @Test
  void otherSchemesAreRejectedWithoutShowingThePassword() {
    assertThatThrownBy(() -> ConnectionStrings.toJdbcUrl("mysql://root:hunter2@localhost/db"))
        .hasMessageContaining("postgres://")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void maskHidesPasswordsInBothForms() {
    assertThat(ConnectionStrings.mask("postgres://app:secret@host/db"))
        .isEqualTo("postgres://app:****@host/db");
    assertThat(ConnectionStrings.mask("jdbc:postgresql://host/db?user=a&password=secret&x=1"))
        .isEqualTo("jdbc:postgresql://host/db?user=a&password=****&x=1");
  }
}
