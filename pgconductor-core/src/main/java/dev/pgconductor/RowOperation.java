package dev.pgconductor;

/** The change of a row that a row-change trigger ({@link Trigger#onInsert} …) reacts to. */
public enum RowOperation {
  /** A row was inserted: the event has the new row only. */
  INSERT,
  /** A row was updated: the event has the row before and after. */
  UPDATE,
  /** A row was deleted: the event has the old row only. */
  DELETE;

  /** The operation as it appears in event names ({@code public.contacts.insert}): lower case. */
  public String sqlName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
