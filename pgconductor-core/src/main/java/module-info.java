/**
 * pgconductor: durable tasks on PostgreSQL. The public API is the package {@code dev.pgconductor};
 * everything under {@code dev.pgconductor.internal} is the engine and is not exported.
 *
 * <p>No package is opened. Jackson and Hibernate Validator reflect on the application's payload and
 * result types, never on pgconductor's own classes (pgconductor writes its own JSON with a {@code
 * JsonGenerator} or as tree nodes), so it is the application's module that must open its payload
 * packages to {@code com.fasterxml.jackson.databind} and {@code org.hibernate.validator}.
 */
// pgjdbc (42.7.14) ships no module-info; org.postgresql.jdbc is the Automatic-Module-Name its
// manifest declares, a stable name, so javac's requires-automatic warning is noise here.
@SuppressWarnings("requires-automatic")
module dev.pgconductor {
  exports dev.pgconductor;

  // Types of these modules appear in the public API, so a user of pgconductor reads them too:
  //   java.sql: Conductor.Builder.dataSource(javax.sql.DataSource),
  //             TransactionalStepBody.apply(java.sql.Connection)
  //   org.slf4j: Conductor.Builder.logger(org.slf4j.Logger)
  //   com.fasterxml.jackson.databind: Conductor.Builder.objectMapper(ObjectMapper); and an
  //             Execution of a task the Conductor has no definition for carries its payload and
  //             result as JsonNode
  //             (databind itself requires transitive com.fasterxml.jackson.core/.annotation)
  requires transitive java.sql;
  requires transitive org.slf4j;
  requires transitive com.fasterxml.jackson.databind;

  // Used only inside the engine.
  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.datatype.jsr310;
  requires com.fasterxml.jackson.datatype.jdk8;
  requires com.zaxxer.hikari;
  requires org.postgresql.jdbc;
  requires com.cronutils; // automatic module (cron-utils 9.2.1 declares the name in its manifest)

  // Payload validation. Not optional at run time: PayloadValidator builds its ValidatorFactory
  // for every non-null payload and names Hibernate Validator's ParameterMessageInterpolator
  // directly, so both are plain (not static) requires. Applications annotate payloads with
  // jakarta.validation.constraints and require jakarta.validation themselves; no jakarta.validation
  // type appears in pgconductor's API, hence not transitive.
  requires jakarta.validation;
  requires org.hibernate.validator;
}
