package dev.pgconductor.dashboard.internal;

/** A request the dashboard answers with an error page: a status and a message for people. */
final class HttpProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;

  HttpProblem(int status, String message) {
    super(message);
    this.status = status;
  }

  static HttpProblem badRequest(String message) {
    return new HttpProblem(400, message);
  }

  static HttpProblem notFound(String message) {
    return new HttpProblem(404, message);
  }

  static HttpProblem forbidden(String message) {
    return new HttpProblem(403, message);
  }
}
