// The forecast chart: history, forecast and its 80 % / 95 % prediction bands (filled between
// their lower and upper lines), and the pipeline-weighted forecast. Data from json_script.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  var el = document.getElementById("forecast-data");
  var canvas = document.getElementById("forecast-chart");
  if (!el || !canvas) return;
  var f = JSON.parse(el.textContent);
  var blue = "#1565c0", orange = "#e07b39", green = "#2e7d32";
  function band(label, data, alpha, fillTo) {
    return {
      label: label, data: data, borderWidth: 0, pointRadius: 0, spanGaps: false,
      backgroundColor: "rgba(224, 123, 57, " + alpha + ")", fill: fillTo
    };
  }
  var datasets = [
    // dataset order matters for the fills: each upper line fills down to its lower line
    band(f.names.band_95, f.lower_95, 0, false),
    band(f.names.band_95, f.upper_95, 0.18, "-1"),
    band(f.names.band_80, f.lower_80, 0, false),
    band(f.names.band_80, f.upper_80, 0.32, "-1"),
    { label: f.names.history, data: f.history, borderColor: blue, backgroundColor: blue, pointRadius: 2, tension: 0.1 },
    { label: f.names.forecast, data: f.forecast, borderColor: orange, backgroundColor: orange, borderDash: [6, 4], pointRadius: 2, tension: 0.1 }
  ];
  if (f.pipeline) {
    datasets.push({ label: f.names.pipeline, data: f.pipeline, borderColor: green, backgroundColor: green, pointRadius: 3, showLine: false, pointStyle: "rectRot" });
  }
  new Chart(canvas, {
    type: "line",
    data: { labels: f.labels, datasets: datasets },
    options: {
      responsive: true, maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      plugins: {
        legend: {
          labels: {
            // the lower line of each band has no legend entry of its own
            filter: function (item, data) { return data.datasets[item.datasetIndex].fill !== false || item.datasetIndex > 3; }
          }
        }
      },
      scales: { y: { beginAtZero: true } }
    }
  });
})();
