// Charts for the analytics pages. The data comes from <script type="application/json">
// blocks (Django's json_script), never from inline code.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var palette = ["#1565c0", "#e07b39", "#2e7d32", "#8e6ad8", "#c62828"];

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var acquisition = read("acquisition-data");
  if (acquisition) {
    var datasets = acquisition.series.map(function (s, i) {
      return { type: "bar", label: s.label + ", " + acquisition.currency, data: s.data, backgroundColor: palette[i], yAxisID: "money" };
    }).concat(acquisition.counts.map(function (s, i) {
      // A line only joins the months of a time series; sources, channels, campaigns and
      // managers are separate categories, so their counts are points, never a line.
      return {
        type: "line", label: s.label, data: s.data, borderColor: palette[i + 2], backgroundColor: palette[i + 2],
        yAxisID: "count", tension: 0.2, showLine: acquisition.time_series === true,
        pointRadius: acquisition.time_series ? 3 : 6, pointStyle: acquisition.time_series ? "circle" : "rectRot"
      };
    }));
    new Chart(document.getElementById("acquisition-chart"), {
      data: { labels: acquisition.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          money: { position: "left", beginAtZero: true },
          count: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } }
        }
      }
    });
  }

  var causes = read("root-causes-data");
  if (causes) {
    // Complaints per month, stacked by root cause: the height is the month's complaints.
    var shades = palette.concat(["#00838f", "#9e9e9e"]);
    new Chart(document.getElementById("root-causes-chart"), {
      type: "bar",
      data: {
        labels: causes.labels,
        datasets: causes.series.map(function (s, i) {
          return { label: s.label, data: s.data, backgroundColor: shades[i % shades.length] };
        })
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  var funnel = read("funnel-data");
  if (funnel) {
    new Chart(document.getElementById("funnel-chart"), {
      data: {
        labels: funnel.labels,
        datasets: [
          { type: "bar", label: funnel.series[0].label, data: funnel.series[0].data, backgroundColor: palette[0], xAxisID: "x" },
          { type: "bar", label: funnel.days_label, data: funnel.days, backgroundColor: palette[1], xAxisID: "days" }
        ]
      },
      options: {
        indexAxis: "y", responsive: true, maintainAspectRatio: false,
        scales: {
          x: { position: "bottom", beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: funnel.series[0].label } },
          days: { position: "top", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: funnel.days_label } }
        }
      }
    });
  }
})();
