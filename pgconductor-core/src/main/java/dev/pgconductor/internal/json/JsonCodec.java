package dev.pgconductor.internal.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.lang.reflect.Type;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Turns payloads and results into JSON text for jsonb columns, and back. */
public final class JsonCodec {
  /**
   * The longest JSON text stored: Postgres keeps at most 2^28 - 1 bytes in one jsonb value, and
   * text longer than that is refused here rather than sent to the database to fail there (a 300 MB
   * result once held a worker's writes for seconds, and its batch with them).
   */
  public static final int MAX_JSON_LENGTH = (1 << 28) - 1;

  private final ObjectMapper mapper;
  private final Map<Class<?>, ObjectWriter> writers = new ConcurrentHashMap<>();

  public JsonCodec(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /**
   * The mapper used when the user gives none: java.time and Optional support, ISO dates. Its
   * buffers are pooled across threads: Jackson's default pool is per thread, and handlers run on a
   * new virtual thread each, so every payload, step and result allocated fresh buffers (the largest
   * single cost of a step on the JVM side, measured with async-profiler).
   */
  public static ObjectMapper defaultMapper() {
    JsonFactory factory =
        JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build();
    return new ObjectMapper(factory)
        .registerModule(new JavaTimeModule())
        .registerModule(new Jdk8Module())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  public String write(Object value) throws JsonProcessingException {
    if (value == null) {
      return "null"; // every Void handler's result: no need to ask Jackson
    }
    return writers.computeIfAbsent(value.getClass(), mapper::writerFor).writeValueAsString(value);
  }

  /**
   * JSON text for a value that will go into a jsonb column. Postgres cannot store U+0000 in jsonb
   * (nor in text), so a value holding it is refused here with a clear message rather than failing a
   * whole batch in the database.
   *
   * @throws UnstorableValueException when the value cannot be written or stored
   */
  public String writeStorable(Object value, String what) {
    if (value instanceof CharSequence text && text.length() > MAX_JSON_LENGTH) {
      // its JSON is longer still: refused without spending seconds writing it
      throw new UnstorableValueException(
          String.format(
              java.util.Locale.ROOT,
              "%s is a text of %,d characters, more than the %,d bytes Postgres can store in a"
                  + " jsonb value",
              what,
              text.length(),
              MAX_JSON_LENGTH),
          null);
    }
    String json;
    try {
      json = write(value);
    } catch (JsonProcessingException e) {
      throw new UnstorableValueException(
          what + " cannot be written as JSON: " + e.getOriginalMessage(), e);
    }
    if (containsNul(json)) {
      throw new UnstorableValueException(
          what + " contains the character U+0000 (NUL), which Postgres cannot store", null);
    }
    if (json.length() > MAX_JSON_LENGTH) {
      throw new UnstorableValueException(what + " " + tooLarge(json.length()), null);
    }
    return json;
  }

  /** The end of the error for JSON text over {@link #MAX_JSON_LENGTH}. */
  public static String tooLarge(long jsonLength) {
    return String.format(
        java.util.Locale.ROOT,
        "is %,d characters of JSON, more than the %,d bytes Postgres can store in a jsonb value",
        jsonLength,
        MAX_JSON_LENGTH);
  }

  /**
   * Whether JSON text holds an escaped NUL (and not merely an escaped backslash before "u0000").
   */
  public static boolean containsNul(String json) {
    for (int i = json.indexOf("\\u0000"); i >= 0; i = json.indexOf("\\u0000", i + 1)) {
      int backslashes = 0;
      for (int j = i - 1; j >= 0 && json.charAt(j) == '\\'; j--) {
        backslashes++;
      }
      if (backslashes % 2 == 0) {
        return true;
      }
    }
    return false;
  }

  /** Text with NUL characters replaced, for error messages and stack traces stored as text. */
  public static String storableText(String text) {
    return text == null || text.indexOf('\0') < 0 ? text : text.replace('\0', '\uFFFD');
  }

  public <T> T read(String json, Class<T> type) throws JsonProcessingException {
    if (json == null || type == Void.class) {
      return null;
    }
    return mapper.readValue(json, type);
  }

  public Object read(String json, Type type) throws JsonProcessingException {
    if (json == null || type == Void.class) {
      return null;
    }
    JavaType javaType = mapper.getTypeFactory().constructType(type);
    return mapper.readValue(json, javaType);
  }

  public ObjectMapper mapper() {
    return mapper;
  }
}
