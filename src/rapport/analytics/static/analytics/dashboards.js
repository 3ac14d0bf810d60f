// The customer dashboards' charts. Data comes from <script type="application/json"> blocks
// (Django's json_script); a bar is a link to the customers it counts, like the table beside it.
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;

  function read(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var clv = read("clv-data");
  if (clv) {
    new Chart(document.getElementById("clv-chart"), {
      type: "bar",
      data: {
        labels: clv.labels,
        datasets: [{ label: clv.label, data: clv.counts, backgroundColor: "#1565c0", barPercentage: 1, categoryPercentage: 0.95 }]
      },
      options: {
        responsive: true, maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: {
          x: { title: { display: true, text: clv.axis }, ticks: { autoSkip: true, maxRotation: 60 } },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: clv.label } }
        },
        onHover: function (event, bars) {
          event.native.target.style.cursor = bars.length ? "pointer" : "default";
        },
        onClick: function (_event, bars) {
          if (bars.length && clv.counts[bars[0].index]) window.location.href = clv.urls[bars[0].index];
        }
      }
    });
  }
})();
