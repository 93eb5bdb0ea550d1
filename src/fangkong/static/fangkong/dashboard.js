// The command dashboard: trend charts from <script id="dashboard-trends"> (reports/
// dashboard/selectors.py), and on the wall screen a clock and a refresh of the tiles,
// charts and ranking from the JSON every `data-refresh` seconds, without reloading the
// page. The markup it writes is the templates' (reports/dashboard/_tiles.html, wall.html).
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
          // Every point marked: a day between two days without figures still shows.
          return {
            name: s.name, type: c.type, data: s.data, smooth: false, connectNulls: false,
            showSymbol: true, showAllSymbol: true, symbolSize: 6
          };
        })
      }, true);
    });
  }

  function span(cls, icon, text) {
    var el = document.createElement("span");
    el.className = cls;
    if (icon) {
      var i = document.createElement("i");
      i.className = "bi " + icon;
      el.appendChild(i);
      el.appendChild(document.createTextNode(" "));
    }
    el.appendChild(document.createTextNode(text));
    return el;
  }

  // As _tiles.html: up is bad (red) for overdue work, down is good (green).
  function change(t, wall) {
    if (t.change === null) { return span("text-body-secondary", "", wall.dataset.noPrevious); }
    if (t.change > 0) {
      return span(t.overdue ? "text-danger" : "text-body-secondary", "bi-arrow-up", String(t.change));
    }
    if (t.change < 0) {
      return span(t.overdue ? "text-success" : "text-body-secondary", "bi-arrow-down", String(-t.change));
    }
    return span("text-body-secondary", "", wall.dataset.same);
  }

  function tiles(data, wall) {
    data.tiles.forEach(function (t) {
      var tile = document.querySelector('[data-tile="' + t.key + '"]');
      if (!tile) { return; }
      var value = t.value === null ? "—" : String(t.value);
      var link = tile.querySelector("[data-drill]");
      (link || tile.querySelector("[data-value]")).textContent = value;
      // After midnight a list's link names the new day, as the number does.
      if (link && t.url) { link.setAttribute("href", t.url); }
      var card = tile.classList.contains("card") ? tile : tile.closest(".card");
      if (card) { card.classList.toggle("border-danger", Boolean(t.overdue && t.value)); }
      var box = tile.querySelector("[data-change]");
      if (box) { box.replaceChildren(change(t, wall)); }
    });
    var at = document.getElementById("computed-at");
    if (at) { at.textContent = data.as_of; }
    var stale = document.getElementById("stale");
    if (stale) {
      stale.classList.toggle("d-none", !data.stale);
      stale.textContent = data.stale_message;
    }
  }

  function cell(text, cls) {
    var td = document.createElement("td");
    td.className = cls || "text-end";
    td.textContent = text === null ? "—" : String(text);
    return td;
  }

  function ranking(data, wall) {
    var body = document.querySelector("#ranking tbody");
    if (!body) { return; }
    var rows = data.ranking.slice(0, parseInt(wall.dataset.rankRows, 10) || 10).map(function (r) {
      var tr = document.createElement("tr");
      tr.dataset.rank = r.code;
      tr.appendChild(cell(r.name, ""));
      var total = cell(r.total, "text-end fw-bold text-warning");
      total.dataset.total = "";
      tr.appendChild(total);
      r.values.forEach(function (v) { tr.appendChild(cell(v[0])); });
      return tr;
    });
    body.replaceChildren.apply(body, rows);
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
          tiles(data, wall);
          draw(data.trends);
          ranking(data, wall);
          wall.dataset.refreshed = String(Date.now());
        })
        .catch(function () { /* the next time tries again */ });
    }, every);
  });
})();
