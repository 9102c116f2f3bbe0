// A metered feature's usage history (GET /v1/customers/{id}/usage) against its limit:
// Chart.js bars per period, the limit in force now as a line.
import { Chart, BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend } from "chart.js";

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend);

const label = (row) => (row.periodStart ? row.periodStart.slice(0, 16).replace("T", " ") : "level");

/** Draws into `canvas`; answers `update(rows, limit)`. `limit` null: unlimited or none. */
export function usageChart(canvas) {
  const chart = new Chart(canvas, {
    type: "bar",
    data: { labels: [], datasets: [] },
    options: {
      animation: { duration: 150 },
      responsive: true,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true } },
      plugins: { legend: { display: true, position: "bottom" } },
    },
  });
  return {
    update(rows, limit) {
      const sorted = [...rows].sort((a, b) => (a.periodStart ?? "").localeCompare(b.periodStart ?? ""));
      chart.data.labels = sorted.map(label);
      chart.data.datasets = [
        { type: "bar", label: "usage", data: sorted.map((r) => r.total), backgroundColor: "#5b5bd6" },
        ...(limit === null || limit === undefined ? [] : [{ type: "line", label: "limit now", data: sorted.map(() => limit), borderColor: "#c62a2f", borderWidth: 2, pointRadius: 8, pointStyle: "line", borderDash: [6, 4] }]),
      ];
      chart.update();
      // What the chart shows, for tests and assistive text.
      canvas.dataset.totals = JSON.stringify(sorted.map((r) => r.total));
      canvas.dataset.limit = limit === null || limit === undefined ? "" : String(limit);
      canvas.textContent = `Usage per period: ${sorted.map((r) => `${label(r)}: ${r.total}`).join(", ")}${limit == null ? "" : `; limit ${limit}`}`;
    },
    destroy: () => chart.destroy(),
  };
}
