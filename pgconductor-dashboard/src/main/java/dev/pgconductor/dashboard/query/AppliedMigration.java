package dev.pgconductor.dashboard.query;

import java.time.Instant;

/**
 * A schema version applied to a database ({@code pgconductor.schema_migrations}).
 *
 * @param version the migration's number
 * @param name the migration file's name, such as {@code V001__baseline.sql}
 * @param appliedAt when it was applied
 */
public record AppliedMigration(int version, String name, Instant appliedAt) {}
