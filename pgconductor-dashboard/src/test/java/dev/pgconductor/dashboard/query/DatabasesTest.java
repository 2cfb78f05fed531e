package dev.pgconductor.dashboard.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ConnectException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class DatabasesTest {
  @Test
  void libpqUrisBecomeJdbcUrls() {
    assertThat(Databases.jdbcUrl("postgres://app:s%40cret@db.example:6543/shop?sslmode=require"))
        .isEqualTo(
            "jdbc:postgresql://db.example:6543/shop?sslmode=require&user=app&password=s%40cret");
    assertThat(Databases.jdbcUrl("postgresql://localhost/app"))
        .isEqualTo("jdbc:postgresql://localhost/app");
    assertThat(Databases.jdbcUrl("postgres://u@h/d")).isEqualTo("jdbc:postgresql://h/d?user=u");
    assertThat(Databases.jdbcUrl(" jdbc:postgresql://h:5432/d?user=u "))
        .isEqualTo("jdbc:postgresql://h:5432/d?user=u");
  }

  @Test
  void otherSchemesAreRefusedWithThePasswordMasked() {
    assertThatThrownBy(() -> Databases.jdbcUrl("mysql://root:hunter2@h/d"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "a database URL starts with postgres://, postgresql:// or jdbc:postgresql:, got"
                + " 'mysql://root:****@h/d'");
    assertThatThrownBy(() -> Databases.jdbcUrl("postgres://h/d b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("'postgres://h/d b' is not a valid database URL");
  }

  @Test
  void passwordsAreMasked() {
    assertThat(Databases.mask("postgres://app:secret@h/d")).isEqualTo("postgres://app:****@h/d");
    assertThat(Databases.mask("jdbc:postgresql://h/d?user=a&password=secret&x=1"))
        .isEqualTo("jdbc:postgresql://h/d?user=a&password=****&x=1");
  }

  @Test
  void connectionFailuresAreToldApart() {
    assertThat(Databases.isConnectionFailure(new SQLException("refused", "08001"))).isTrue();
    assertThat(Databases.isConnectionFailure(new SQLException("password", "28P01"))).isTrue();
    assertThat(Databases.isConnectionFailure(new SQLException("no db", "3D000"))).isTrue();
    assertThat(
            Databases.isConnectionFailure(
                new IllegalStateException("wrapped", new ConnectException("refused"))))
        .isTrue();
    assertThat(Databases.isConnectionFailure(new SQLException("syntax", "42601"))).isFalse();
    assertThat(Databases.isConnectionFailure(new IllegalStateException("x"))).isFalse();
  }
}
