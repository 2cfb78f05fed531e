package dev.pgconductor;

import java.sql.Connection;

/**
 * The body of a transactional step: it gets a connection inside the transaction that also records
 * the step's result, so its database writes and the record commit together. Do not commit, roll
 * back or close the connection.
 *
 * @param <T> the step's result type
 */
@FunctionalInterface
public interface TransactionalStepBody<T> {
  T apply(Connection connection) throws Exception;
}
