// Draws the throughput chart of the overview with uPlot, from the data the server renders into
// the page (and sends again, with fresh numbers, over server-sent events).
(function () {
  let chart = null;

  function draw() {
    const el = document.getElementById("throughput");
    if (!el || typeof uPlot === "undefined") {
      return;
    }
    const data = JSON.parse(el.dataset.series);
    const width = Math.max(320, el.clientWidth - 16);
    if (chart && chart.root.parentNode === el) {
      chart.setData(data);
      chart.setSize({ width: width, height: 220 });
      return;
    }
    el.innerHTML = "";
    chart = new uPlot(
      {
        width: width,
        height: 220,
        scales: { x: { time: true } },
        axes: [{}, { label: "executions per minute" }],
        series: [
          {},
          { label: "completed", stroke: "#1f8a4c", fill: "rgba(31,138,76,0.12)", width: 2 },
          { label: "failed or cancelled", stroke: "#c62f3b", fill: "rgba(198,47,59,0.10)", width: 2 },
        ],
      },
      data,
      el
    );
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  window.addEventListener("resize", function () {
    chart = null;
    draw();
  });
})();
