// The command dashboard: trend charts from <script id="dashboard-trends"> (reports/
// dashboard/selectors.py), and on the wall screen a clock and a refresh of the tiles and
// charts from the JSON every `data-refresh` seconds, without reloading the page.
(function () {
  var charts = {};
  var dark = document.documentElement.dataset.bsTheme === "dark";

  function draw(trends) {
    trends.charts.forEach(function (c) {
      var el = document.querySelector('[data-trend="' + c.id + '"]');
      if (!el || !window.echarts) { return; }
      var chart = charts[c.id] || echarts.init(el, dark ? "dark" : null, { renderer: "svg" });
      charts[c.id] = chart;
      chart.setOption({
        backgroundColor: "transparent",
        tooltip: { trigger: "axis" },
        legend: { top: 0, type: "scroll" },
        grid: { left: 8, right: 8, bottom: 8, top: 36, containLabel: true },
        xAxis: { type: "category", data: trends.days },
        yAxis: { type: "value" },
        series: c.series.map(function (s) {
          return { name: s.name, type: c.type, data: s.data, smooth: false, connectNulls: false };
        })
      }, true);
    });
  }

  function tiles(data) {
    data.tiles.forEach(function (t) {
      var tile = document.querySelector('[data-tile="' + t.key + '"]');
      if (!tile) { return; }
      var value = t.value === null ? "—" : String(t.value);
      var link = tile.querySelector("[data-drill]");
      (link || tile.querySelector("[data-value]")).textContent = value;
      var change = tile.querySelector("[data-change]");
      if (change && t.change !== null) {
        change.textContent = (t.change > 0 ? "▲ " : t.change < 0 ? "▼ " : "") + Math.abs(t.change);
      }
    });
    var at = document.getElementById("computed-at");
    if (at && data.computed_at) { at.textContent = at.textContent.replace(/\d\d:\d\d/, data.computed_at); }
  }

  function tick(clock) {
    var now = new Date();
    clock.textContent = now.toLocaleDateString() + " " + now.toLocaleTimeString();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("dashboard-trends");
    if (source) { draw(JSON.parse(source.textContent)); }
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    });
    var wall = document.querySelector("[data-wall]");
    if (!wall) { return; }
    var clock = document.getElementById("clock");
    if (clock) { tick(clock); setInterval(function () { tick(clock); }, 1000); }
    var every = parseInt(wall.dataset.refresh, 10) * 1000;
    setInterval(function () {
      fetch(wall.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          tiles(data);
          draw(data.trends);
          wall.dataset.refreshed = String(Date.now());
        })
        .catch(function () { /* the next minute tries again */ });
    }, every);
  });
})();
