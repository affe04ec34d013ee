import uPlot from '/console/vendor/uplot/uPlot.esm.js';
import { h } from './dom.js';

export const palette = ['#1d4ed8', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#be185d', '#4d7c0f', '#334155'];

const live = new Set();
let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => live.forEach(chart => chart.setSize({ width: chart.root.parentElement.clientWidth, height: chart.height })), 150);
});

/** Drops the charts of the page being left, so they stop listening. */
export function disposeCharts() { live.forEach(chart => chart.destroy()); live.clear(); }

/**
 * A time series chart. times: epoch seconds; series: [{ label, values, color? }]; stacked: areas on top of each
 * other (the legend and tooltip still show each series' own value). The chart has a text alternative (ariaLabel) and
 * every page also shows its numbers in a table.
 */
export function timeChart({ times, series, stacked = false, format = v => v, ariaLabel, height = 240, bars = false }) {
  const holder = h('div', { class: 'chart', role: 'img', 'aria-label': ariaLabel });
  if (times.length === 0 || series.length === 0) {
    holder.append(h('p', { class: 'empty' }, 'No data in this range.'));
    return holder;
  }
  let drawn = series.map((s, i) => ({ ...s, color: s.color ?? palette[i % palette.length] }));
  let data;
  if (stacked) {
    const sums = new Array(times.length).fill(0);
    const cumulative = drawn.map(s => s.values.map((v, i) => (sums[i] += v ?? 0)));
    // Drawn top-down (largest sum first) so each smaller area paints over the one below.
    drawn = drawn.map((s, i) => ({ ...s, sum: cumulative[i] })).reverse();
    data = [times, ...drawn.map(s => s.sum)];
  } else {
    data = [times, ...drawn.map(s => s.values)];
  }
  const options = {
    width: 300, height,
    cursor: { drag: { x: false, y: false } },
    // Every quantity here is zero or more: the y axis starts at 0 and has room even when all values are 0.
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      { stroke: '#374151', grid: { stroke: '#e5e7eb' } },
      { stroke: '#374151', grid: { stroke: '#e5e7eb' }, size: 70, values: (u, ticks) => ticks.map(v => format(v)) },
    ],
    series: [
      {},
      ...drawn.map(s => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        fill: stacked ? `${s.color}cc` : undefined,
        paths: bars ? uPlot.paths.bars({ size: [0.8, 40] }) : undefined,
        // Sparse series (one busy bucket among empty ones) would draw nothing without their points.
        points: { show: !stacked, size: 5 },
        spanGaps: !stacked,
        value: (u, v, si, idx) => {
          if (idx === null || idx === undefined) return '–';
          const raw = s.values[idx];
          return raw === null || raw === undefined ? '–' : format(raw);
        },
      })),
    ],
  };
  // Created once the holder is in the page, so it takes the panel's width.
  requestAnimationFrame(() => {
    if (!holder.isConnected) return;
    options.width = Math.max(240, holder.clientWidth);
    const chart = new uPlot(options, data, holder);
    live.add(chart);
  });
  return holder;
}
