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

  @Test
  void jsonLongerThanAJsonbValueHoldsIsRefusedWithItsLength() {
    // a text that fits, but not once quoted: found when written
    String text = "x".repeat(JsonCodec.MAX_JSON_LENGTH);
    assertThatThrownBy(() -> codec.writeStorable(text, "the result"))
        .hasMessage(
            "the result is 268,435,457 characters of JSON, more than the 268,435,455 bytes"
                + " Postgres can store in a jsonb value");
    // a longer text is refused before it is written
    assertThatThrownBy(() -> codec.writeStorable(text + "y", "the result"))
        .hasMessageStartingWith("the result is a text of 268,435,456 characters");
  }
}
