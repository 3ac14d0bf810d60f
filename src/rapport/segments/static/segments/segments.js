// The segment pages: the size-over-time chart, and the rule builder's inline error mark and
// live count after the builder is redrawn. Data comes from json_script blocks.
(function () {
  "use strict";

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var history = read("segment-history");
  if (history && typeof Chart !== "undefined") {
    new Chart(document.getElementById("segment-chart"), {
      data: {
        labels: history.labels,
        datasets: [
          { type: "line", label: history.names.size, data: history.size, borderColor: "#1565c0", backgroundColor: "#1565c0", yAxisID: "size", tension: 0.2 },
          { type: "bar", label: history.names.entered, data: history.entered, backgroundColor: "#2e7d32", yAxisID: "moves" },
          { type: "bar", label: history.names.left, data: history.left, backgroundColor: "#c62828", yAxisID: "moves" }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          size: { position: "left", beginAtZero: true },
          moves: { position: "right", beginAtZero: true, grid: { drawOnChartArea: false } }
        }
      }
    });
  }

  // Mark the rule row the preview's error is about (its place comes with the error).
  function markError() {
    var box = document.getElementById("rule-error");
    if (!box) return;
    document.querySelectorAll(".segment-builder [aria-invalid='true'][data-place]").forEach(function (el) {
      el.removeAttribute("aria-invalid");
    });
    var place = box.getAttribute("data-place");
    if (place && box.textContent.trim()) {
      var row = document.querySelector(".segment-builder [data-place='" + place + "']");
      if (row) row.setAttribute("aria-invalid", "true");
    }
  }

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "builder") {
      var form = document.getElementById("segment-form");
      if (form && window.htmx) window.htmx.trigger(form, "change");
    }
    markError();
  });
})();
