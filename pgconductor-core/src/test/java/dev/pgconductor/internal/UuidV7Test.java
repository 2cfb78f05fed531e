package dev.pgconductor.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pgconductor.internal.util.UuidV7;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UuidV7Test {
  @Test
  void idsAreVersion7AndIncreaseWithinOneProcess() {
    List<UUID> ids = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      ids.add(UuidV7.next());
    }
    assertThat(ids).allMatch(id -> id.version() == 7 && id.variant() == 2);
    assertThat(ids).doesNotHaveDuplicates();
    // UUID.compareTo is signed; Postgres compares uuids as unsigned bytes, so compare as text
    List<String> text = ids.stream().map(UUID::toString).toList();
    assertThat(text).isSorted();
  }

  @Test
  void theLeading48BitsAreTheCreationTimeInMillis() {
    long before = System.currentTimeMillis();
    UUID id = UuidV7.next();
    long after = System.currentTimeMillis();
    long millis = id.getMostSignificantBits() >>> 16;
    assertThat(millis).isBetween(before, after + 1);
  }
}
