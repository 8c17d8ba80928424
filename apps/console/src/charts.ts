import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { h } from './dom';

// Only what the console draws: bars and lines (tree-shaken, a smaller bundle).
Chart.register(
  BarController,
  BarElement,
  LineController,
  LineElement,
  PointElement,
  CategoryScale,
  LinearScale,
  Tooltip,
  Legend,
  Filler,
);
Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.family = 'system-ui, sans-serif';

const live = new Set<Chart>();

/** Charts of the page left behind are destroyed (their listeners and canvases freed). */
export function destroyCharts(): void {
  for (const chart of live) chart.destroy();
  live.clear();
}

export const PALETTE = ['#1d4ed8', '#0f766e', '#b45309', '#7c3aed', '#be123c', '#4d7c0f'];

/**
 * A chart in a figure; the canvas is an image to assistive technology, described by `label`.
 * The same figures are always in a table next to it.
 */
export function chart(label: string, config: ChartConfiguration): HTMLElement {
  const canvas = h('canvas', { role: 'img', 'aria-label': label });
  const figure = h(
    'figure',
    { class: 'chart' },
    h('div', { class: 'chart-box' }, canvas),
    h('figcaption', {}, label),
  );
  // Drawn once the figure is in the document (Chart.js measures its container).
  requestAnimationFrame(() => {
    if (canvas.isConnected) live.add(new Chart(canvas, config));
  });
  return figure;
}
