package dev.pgconductor.reliability;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The harness's own tables, in schema {@code harness} of each scenario's database: what the driver
 * invoked, every run of a step body, the transactional effects, the faults injected and the
 * recovery time of each execution a killed worker held.
 */
public final class HarnessTables {
  private HarnessTables() {}

  /** Creates the tables in the database at {@code url}. */
  public static void create(String url) {
    try (Connection c = DriverManager.getConnection(url);
        Statement st = c.createStatement()) {
      st.execute(
          """
          create schema harness;
          create table harness.invokes (
            execution_id uuid primary key,
            kind text not null,
            invoked_at timestamptz not null default clock_timestamp());
          create table harness.step_runs (
            id bigserial primary key,
            execution_id uuid not null,
            step text not null,
            attempt int not null,
            token text not null,
            worker text not null,
            pid bigint not null,
            started_at timestamptz not null,
            ran_at timestamptz not null default clock_timestamp());
          create index on harness.step_runs (execution_id, step);
          create table harness.effects (
            id bigserial primary key,
            execution_id uuid not null,
            pid bigint not null,
            created_at timestamptz not null default clock_timestamp());
          create index on harness.effects (execution_id);
          create table harness.faults (
            id bigserial primary key,
            kind text not null,
            worker text,
            at timestamptz not null default clock_timestamp(),
            allowed_seconds double precision);
          create table harness.recoveries (
            fault_id bigint not null,
            execution_id uuid not null,
            seconds double precision not null,
            rescue_seconds double precision not null);
          """);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create the harness tables", e);
    }
  }
}
