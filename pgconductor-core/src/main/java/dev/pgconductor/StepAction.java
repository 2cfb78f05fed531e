package dev.pgconductor;

/** The body of a step without a result (see {@link TaskContext#step(String, StepAction)}). */
@FunctionalInterface
public interface StepAction {
  void run() throws Exception;
}
