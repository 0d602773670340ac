// What sold most on PeerLink in the period, on the admin reports page: products and courses by units.
import { addChart } from './admin-charts.js';

const QUERY = `query AdminSalesReport($period: ReportPeriod!) {
  topProducts(period: $period, first: 10) { byUnits { title units } lastEventAt }
  topCourses(period: $period, first: 10) { byUnits { title units } lastEventAt }
}`;

/** One ranking as a bar chart of units, or a line saying nothing sold. */
function ranking(section, { id, title, ranked, what }) {
  if (!ranked.length) {
    const none = document.createElement('p');
    none.textContent = `No ${what} sold in this period.`;
    section.append(none);
    return;
  }
  const [top] = ranked;
  addChart(section, {
    id,
    title,
    kind: 'bar',
    // A title no longer known (taken off sale since) still has its bar.
    labels: ranked.map((item, i) => item.title ?? `#${i + 1}`),
    series: [{ label: 'Units sold', data: ranked.map((item) => item.units) }],
    caption: `The most: ${top.title ?? 'an item no longer listed'}, ${top.units.toLocaleString()} sold.`,
  });
}

export const salesReport = {
  id: 'sales',
  title: 'What sold most',
  query: QUERY,

  /** Products and courses on sale now, by units sold in the period (each ranking is public). */
  draw({ topProducts, topCourses }, section) {
    ranking(section, {
      id: 'top-products',
      title: 'Products, by units sold',
      ranked: topProducts.byUnits,
      what: 'products',
    });
    ranking(section, {
      id: 'top-courses',
      title: 'Courses, by units sold',
      ranked: topCourses.byUnits,
      what: 'courses',
    });
  },
};
