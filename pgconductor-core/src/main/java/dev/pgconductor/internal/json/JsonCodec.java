package dev.pgconductor.internal.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.lang.reflect.Type;

/** Turns payloads and results into JSON text for jsonb columns, and back. */
public final class JsonCodec {
  private final ObjectMapper mapper;

  public JsonCodec(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** The mapper used when the user gives none: java.time and Optional support, ISO dates. */
  public static ObjectMapper defaultMapper() {
    return new ObjectMapper()
        .registerModule(new JavaTimeModule())
        .registerModule(new Jdk8Module())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  }

  public String write(Object value) throws JsonProcessingException {
    return mapper.writeValueAsString(value);
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
