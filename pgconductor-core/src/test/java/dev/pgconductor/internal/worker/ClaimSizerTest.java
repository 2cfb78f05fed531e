package dev.pgconductor.internal.worker;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How the size of a worker's claims follows its handlers. */
class ClaimSizerTest {

  /** One claim that came back full while the handlers had run out of work. */
  private static void starvedClaim(ClaimSizer sizer) {
    int asked = sizer.size();
    sizer.claimed(asked, asked, true, asked);
  }

  @Test
  void quickHandlersQuadrupleTheClaimUpToFiftyTimesTheBatchAndAtMostFiveHundred() {
    ClaimSizer sizer = new ClaimSizer(10);
    assertThat(sizer.size()).isEqualTo(10);
    starvedClaim(sizer);
    assertThat(sizer.size()).isEqualTo(40);
    starvedClaim(sizer);
    assertThat(sizer.size()).isEqualTo(160);
    starvedClaim(sizer);
    assertThat(sizer.size()).isEqualTo(500);
    starvedClaim(sizer);
    assertThat(sizer.size()).isEqualTo(500);
    assertThat(ClaimSizer.ceiling(10)).isEqualTo(500);

    ClaimSizer small = new ClaimSizer(2);
    for (int i = 0; i < 5; i++) {
      starvedClaim(small);
    }
    assertThat(small.size()).isEqualTo(100);
  }

  @Test
  void aBatchOfFiveHundredOrMoreNeverGrows() {
    ClaimSizer sizer = new ClaimSizer(500);
    starvedClaim(sizer);
    assertThat(sizer.size()).isEqualTo(500);
  }

  @Test
  void aResetStartsAgainAtTheConfiguredBatch() {
    ClaimSizer sizer = new ClaimSizer(10);
    for (int i = 0; i < 2; i++) {
      starvedClaim(sizer);
    }
    assertThat(sizer.size()).isEqualTo(160);
    sizer.reset();
    assertThat(sizer.size()).isEqualTo(10);
  }

  @Test
  void slowHandlersKeepTheConfiguredBatch() {
    ClaimSizer sizer = new ClaimSizer(5);
    // first claims of a burst: slots free and nothing waiting, but no handler has finished yet
    sizer.claimed(5, 5, true, 0);
    assertThat(sizer.size()).isEqualTo(5);
    // then claimed executions are still waiting for a slot when the next claim comes back
    sizer.claimed(5, 5, false, 3);
    assertThat(sizer.size()).isEqualTo(5);
    // a few finished, fewer than a claim's worth: not starved for work
    sizer.claimed(5, 5, true, 4);
    assertThat(sizer.size()).isEqualTo(5);
  }

  @Test
  void executionsLeftWaitingHalveTheClaimBackTowardTheBatch() {
    ClaimSizer sizer = new ClaimSizer(10);
    for (int i = 0; i < 2; i++) {
      starvedClaim(sizer);
    }
    assertThat(sizer.size()).isEqualTo(160);
    sizer.claimed(160, 160, false, 160);
    assertThat(sizer.size()).isEqualTo(80);
    sizer.claimed(80, 80, false, 0);
    sizer.claimed(40, 40, false, 0);
    sizer.claimed(20, 20, false, 0);
    sizer.claimed(10, 10, false, 0);
    assertThat(sizer.size()).isEqualTo(10);
    sizer.claimed(10, 10, false, 0);
    assertThat(sizer.size()).isEqualTo(10);
  }

  @Test
  void aShortClaimStartsTheNextBurstAtTheConfiguredBatch() {
    ClaimSizer sizer = new ClaimSizer(10);
    starvedClaim(sizer);
    assertThat(sizer.size()).isEqualTo(40);
    sizer.claimed(40, 39, true, 40);
    assertThat(sizer.size()).isEqualTo(10);
  }
}
