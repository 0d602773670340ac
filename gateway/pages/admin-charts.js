// Charts for the admin reports, drawn by Chart.js (its browser build, loaded by the page as window.Chart).
const { Chart } = globalThis;

/** Distinct for the common kinds of colour blindness (Okabe and Ito), in the order series are added. */
const COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'];

/**
 * Adds to `container` a figure with a heading, a chart and a caption that says the figures in words (the
 * canvas is only a picture to a screen reader). `kind` is 'line' or 'bar'; each series is { label, data },
 * one number a label.
 */
export function addChart(container, { id, title, kind, labels, series, caption, formatValue = String }) {
  const figure = document.createElement('figure');
  const heading = document.createElement('h3');
  heading.textContent = title;
  const frame = document.createElement('div');
  frame.className = 'chart';
  const canvas = document.createElement('canvas');
  canvas.dataset.chart = id;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `${title}: ${caption}`);
  frame.append(canvas);
  const words = document.createElement('figcaption');
  words.textContent = caption;
  figure.append(heading, frame, words);
  // Drawn once the figure is in the page, so it takes the frame's size.
  container.append(figure);
  new Chart(canvas, {
    type: kind,
    data: {
      labels,
      datasets: series.map(({ label, data }, i) => ({
        label,
        data,
        borderColor: COLOURS[i % COLOURS.length],
        backgroundColor: COLOURS[i % COLOURS.length],
        pointRadius: labels.length > 60 ? 0 : 3,
        // Monotone: a curve never swings past its points (below zero, say).
        cubicInterpolationMode: 'monotone',
      })),
    },
    options: {
      maintainAspectRatio: false,
      // Figures, not a show: no motion, and the chart is whole as soon as it is drawn.
      animation: false,
      interaction: { mode: 'index', intersect: false },
      scales: { y: { beginAtZero: true, ticks: { precision: 0, callback: (value) => formatValue(value) } } },
      plugins: {
        legend: { display: series.length > 1 },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${formatValue(item.parsed.y)}` } },
      },
    },
  });
}

/** Frees the charts in `element` before it is emptied, so redrawing for another period leaks none. */
export function destroyCharts(element) {
  for (const canvas of element.querySelectorAll('canvas')) Chart.getChart(canvas)?.destroy();
}
