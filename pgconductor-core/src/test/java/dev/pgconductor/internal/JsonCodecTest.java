package dev.pgconductor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pgconductor.internal.json.JsonCodec;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonCodecTest {
  record Event(String name, Instant at, List<Integer> values) {}

  private final JsonCodec codec = new JsonCodec(JsonCodec.defaultMapper());

  @Test
  void recordsWithJavaTimeRoundTripAsIsoText() throws Exception {
    var event = new Event("e", Instant.parse("2026-01-02T03:04:05.123456Z"), List.of(1, 2));
    String json = codec.write(event);
    assertThat(json).contains("\"2026-01-02T03:04:05.123456Z\"");
    assertThat(codec.read(json, Event.class)).isEqualTo(event);
    assertThat(codec.write(null)).isEqualTo("null");
  }

  @Test
  void nulCharactersAreDetectedButAnEscapedBackslashBeforeU0000IsNot() {
    assertThat(JsonCodec.containsNul("{\"a\":\"x\\u0000y\"}")).isTrue();
    assertThat(JsonCodec.containsNul("{\"a\":\"x\\\\u0000y\"}")).isFalse(); // the text \u0000
    assertThat(JsonCodec.containsNul("{\"a\":\"x\\\\\\u0000y\"}")).isTrue(); // \ then NUL
    assertThatThrownBy(() -> codec.writeStorable("a\0b", "the result"))
        .hasMessageContaining("the result contains the character U+0000");
    assertThat(JsonCodec.storableText("a\0b")).isEqualTo("a\uFFFDb");
  }
}
