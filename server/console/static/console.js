// Socle console: charts from the page's data (uPlot), bars, and the CSRF header on htmx requests.
// No inline script: the page's Content-Security-Policy allows scripts from this origin only.
(function () {
  "use strict";
  var COLORS = { requests: "#2f6fde", errors: "#d9423a", p50: "#2f9e5b", p95: "#e08a1e", tokens: "#7a4fd6", cost: "#0f8c8c" };

  function drawCharts() {
    var holder = document.querySelector("[data-series]");
    if (!holder || typeof uPlot === "undefined") { return; }
    var data = JSON.parse(holder.getAttribute("data-series"));
    holder.querySelectorAll("[data-chart]").forEach(function (el) {
      var names = el.getAttribute("data-chart").split(",");
      var series = [{}].concat(names.map(function (n) {
        return { label: n, stroke: COLORS[n] || "#444", width: 2, points: { show: data.t.length < 3 } };
      }));
      var columns = [data.t].concat(names.map(function (n) { return data[n]; }));
      var width = Math.max(el.clientWidth || 0, 280);
      new uPlot({ width: width, height: 180, series: series, axes: [{}, { size: 60 }], legend: { live: false } }, columns, el);
    });
  }

  function drawBars() {
    document.querySelectorAll(".bar[data-share]").forEach(function (el) {
      var share = Math.max(0, Math.min(100, parseFloat(el.getAttribute("data-share")) || 0));
      el.style.width = (share * 0.8) + "px";
    });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.body.getAttribute("data-csrf");
    if (token) { event.detail.headers["x-csrf-token"] = token; }
  });
  document.addEventListener("DOMContentLoaded", function () { drawCharts(); drawBars(); });
})();
