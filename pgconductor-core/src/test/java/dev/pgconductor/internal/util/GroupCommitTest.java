package dev.pgconductor.internal.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroupCommitTest {
  /** A thread per waiting caller (the common pool may have a single one on a small machine). */
  private final ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();

  @AfterEach
  void stopCallers() {
    callers.shutdownNow();
  }

  @Test
  void concurrentRequestsShareWritesAndEachGetsItsOwnAnswer() throws Exception {
    List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    CountDownLatch firstWriteStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    var commits =
        new GroupCommit<Integer, String>(
            "test-writer",
            100,
            batch -> {
              batchSizes.add(batch.size());
              firstWriteStarted.countDown();
              release.await();
              return batch.stream().map(n -> "#" + n).toList();
            });
    try (commits) {
      List<CompletableFuture<String>> answers = new ArrayList<>();
      answers.add(CompletableFuture.supplyAsync(() -> commits.submitUninterruptibly(0), callers));
      assertThat(firstWriteStarted.await(10, TimeUnit.SECONDS)).isTrue();
      // these queue up while the first write is under way, and share the next one
      for (int i = 1; i <= 20; i++) {
        int n = i;
        answers.add(CompletableFuture.supplyAsync(() -> commits.submitUninterruptibly(n), callers));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> commits.queued() == 20);
      release.countDown();
      for (int i = 0; i <= 20; i++) {
        assertThat(answers.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("#" + i);
      }
    }
    assertThat(batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(21);
    assertThat(batchSizes)
        .as("the first request alone, then the 20 queued meanwhile together")
        .containsExactly(1, 20);
  }

  @Test
  void aFailedWriteFailsItsRequestsAndTheNextWriteGoesOn() throws Exception {
    var commits =
        new GroupCommit<Integer, Integer>(
            "test-writer",
            10,
            batch -> {
              if (batch.contains(13)) {
                throw new IllegalStateException("unlucky batch");
              }
              return batch;
            });
    try (commits) {
      assertThatThrownBy(() -> commits.submitUninterruptibly(13))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("unlucky batch");
      assertThatThrownBy(() -> commits.submit(13))
          .isInstanceOf(ExecutionException.class)
          .hasRootCauseMessage("unlucky batch");
      assertThat(commits.submitUninterruptibly(7)).isEqualTo(7);
    }
  }

  @Test
  void closeWritesWhatIsQueuedAndRefusesWhatComesAfter() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    List<Integer> written = new CopyOnWriteArrayList<>();
    var commits =
        new GroupCommit<Integer, Integer>(
            "test-writer",
            1,
            batch -> {
              writing.countDown();
              release.await();
              written.addAll(batch);
              return batch;
            });
    var first = CompletableFuture.supplyAsync(() -> commits.submitUninterruptibly(1), callers);
    assertThat(writing.await(10, TimeUnit.SECONDS)).isTrue();
    var second = CompletableFuture.supplyAsync(() -> commits.submitUninterruptibly(2), callers);
    await().atMost(Duration.ofSeconds(10)).until(() -> commits.queued() == 1);
    var closing = CompletableFuture.runAsync(commits::close, callers);
    release.countDown();
    closing.get(20, TimeUnit.SECONDS);

    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(2);
    assertThat(written).containsExactly(1, 2);
    assertThatThrownBy(() -> commits.submitUninterruptibly(3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}
