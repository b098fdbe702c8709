// Figures dashboard: trend (week/month) and unit ranking charts with ECharts. Data comes from data
// attributes the server wrote; clicking a bar or a point opens the list of cases behind it.
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

const FONT = '"Noto Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';

function read(el, name) {
  try { return JSON.parse(el.dataset[name] || "null"); } catch { return null; }
}

function trendOption(rows, labels) {
  const periods = rows.map((r) => r.period);
  return {
    textStyle: { fontFamily: FONT },
    tooltip: { trigger: "axis" },
    legend: { top: 0, itemGap: 16 },
    grid: { left: 48, right: 56, top: 36, bottom: 32 },
    xAxis: { type: "category", data: periods },
    yAxis: [{ type: "value", minInterval: 1 }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
    series: [
      { name: labels.cases, type: "bar", data: rows.map((r) => r.cases) },
      { name: labels.closed, type: "bar", data: rows.map((r) => r.closed) },
      { name: labels.overdue, type: "bar", data: rows.map((r) => r.overdue) },
      { name: labels.on_time_rate, type: "line", yAxisIndex: 1, data: rows.map((r) => r.on_time_rate) },
    ],
  };
}

const TREND_FIGURES = ["cases", "closed", "overdue", "on_time"];

function drawTrend(el) {
  const chart = echarts.init(el, null, { renderer: "svg" });
  const labels = read(el, "labels") || {};
  let shown = "month";
  chart.on("click", (params) => {   // a bar or point: the cases of that week or month behind it
    const url = new URL(el.dataset.link, window.location.href);
    url.searchParams.set("figure", TREND_FIGURES[params.seriesIndex] || "cases");
    url.searchParams.set("dim", shown === "week" ? "started_week" : "started_month");
    url.searchParams.set("value", params.name);
    window.location.assign(url.toString());
  });
  const show = (which) => {
    shown = which;
    chart.setOption(trendOption(read(el, which) || [], labels), true);
    document.querySelectorAll("[data-trend]").forEach((b) => b.classList.toggle("active", b.dataset.trend === which));
  };
  document.querySelectorAll("[data-trend]").forEach((b) => b.addEventListener("click", () => show(b.dataset.trend)));
  show("month");
  return chart;
}

function drawUnits(el) {
  const rows = read(el, "rows") || [];
  const labels = read(el, "labels") || {};
  const chart = echarts.init(el, null, { renderer: "svg" });
  chart.setOption({
    textStyle: { fontFamily: FONT },
    tooltip: { trigger: "axis", valueFormatter: (v) => (v == null ? "—" : `${v}%`) },
    legend: { top: 0 },
    grid: { left: 96, right: 24, top: 36, bottom: 24 },
    xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", inverse: true, data: rows.map((r) => r.unit) },
    series: [
      { name: labels.on_time_rate, type: "bar", data: rows.map((r) => r.on_time_rate) },
      { name: labels.satisfaction_rate, type: "bar", data: rows.map((r) => r.satisfaction_rate) },
    ],
  });
  chart.on("click", (params) => {
    const url = new URL(el.dataset.link, window.location.href);
    url.searchParams.set("value", params.name);
    if (params.seriesIndex === 1) url.searchParams.set("figure", "satisfied");
    window.location.assign(url.toString());
  });
  return chart;
}

function start() {
  const charts = [];
  const trend = document.getElementById("trend-chart");
  if (trend) charts.push(drawTrend(trend));
  const units = document.getElementById("unit-chart");
  if (units) charts.push(drawUnits(units));
  window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
}

// Draw once the web font is in, so that ECharts measures legend and axis texts in the font it shows.
document.addEventListener("DOMContentLoaded", () => {
  const fonts = document.fonts ? document.fonts.ready : Promise.resolve();
  fonts.then(start, start);
});
