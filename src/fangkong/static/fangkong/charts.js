// Bar charts from a <script type="application/json"> block: {labels, series: [{name, data}]}.
(function () {
  function draw(el) {
    var data = JSON.parse(document.getElementById(el.dataset.source).textContent);
    if (!window.echarts || !data.labels.length) { el.style.display = "none"; return; }
    var chart = echarts.init(el, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 8, bottom: 8, top: 32, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 6 ? 35 : 0 } },
      yAxis: { type: "value" },
      series: data.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
})();
