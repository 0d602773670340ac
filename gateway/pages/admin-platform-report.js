// The platform report on the admin reports page: activity and money across PeerLink, from analytics.
import { addChart } from './admin-charts.js';

const QUERY = `query AdminPlatformReport($period: ReportPeriod!) {
  platformReport(period: $period) {
    days { date activeUsers signUps posts messages orders failedPayments deadLetters }
    money { date grossVolume { amount currency } refunds { amount currency } }
    monthlyActiveUsers
    lastEventAt
  }
}`;

const sum = (numbers) => numbers.reduce((total, n) => total + n, 0);
const count = (n, one, many) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** Amounts in a currency's minor units (as the API gives them) shown in major units, the viewer's way. */
function moneyIn(currency) {
  const code = currency.toUpperCase();
  try {
    const format = new Intl.NumberFormat(undefined, { style: 'currency', currency: code });
    const digits = format.resolvedOptions().maximumFractionDigits;
    return { code, toMajor: (minor) => minor / 10 ** digits, format: (major) => format.format(major) };
  } catch {
    // A code this browser does not know: plain numbers, named.
    return { code, toMajor: (minor) => minor, format: (amount) => `${amount.toLocaleString()} ${code}` };
  }
}

/** The money days per currency, each spread over every day of the period (a day with none is 0). */
function moneyByCurrency(dates, money) {
  const currencies = [...new Set(money.map((m) => m.grossVolume.currency))].sort();
  return currencies.map((currency) => {
    const unit = moneyIn(currency);
    const onDay = new Map(money.filter((m) => m.grossVolume.currency === currency).map((m) => [m.date, m]));
    const series = (field) => dates.map((date) => unit.toMajor(onDay.get(date)?.[field].amount ?? 0));
    return { currency, unit, gross: series('grossVolume'), refunds: series('refunds') };
  });
}

export const platformReport = {
  id: 'platform',
  title: 'Across PeerLink',
  query: QUERY,

  /** Draws the answer's charts into `section`; `period` is what was asked for. */
  draw({ platformReport: report }, section, period) {
    const dates = report.days.map((d) => d.date);
    const column = (field) => report.days.map((d) => d[field]);

    const latest = document.createElement('p');
    latest.className = 'help';
    latest.textContent = report.lastEventAt
      ? `These figures include every event up to ${new Date(report.lastEventAt).toLocaleString()}.`
      : 'No events are counted yet.';
    section.append(latest);

    const active = column('activeUsers');
    const busiest = Math.max(...active);
    addChart(section, {
      id: 'active-users',
      title: 'Active users per day',
      kind: 'line',
      labels: dates,
      series: [{ label: 'Active users', data: active }],
      caption:
        `${count(report.monthlyActiveUsers, 'user was', 'users were')} active in the 30 days to ${period.to}` +
        (busiest ? `; the busiest day, ${dates[active.indexOf(busiest)]}, had ${busiest}.` : '.'),
    });

    const activity = [
      ['signUps', 'Sign-ups', 'sign-up', 'sign-ups'],
      ['posts', 'Posts', 'post', 'posts'],
      ['messages', 'Messages', 'message', 'messages'],
      ['orders', 'Orders', 'order', 'orders'],
    ];
    addChart(section, {
      id: 'activity',
      title: 'Sign-ups, posts, messages and orders per day',
      kind: 'bar',
      labels: dates,
      series: activity.map(([field, label]) => ({ label, data: column(field) })),
      caption: `In all: ${activity.map(([field, , one, many]) => count(sum(column(field)), one, many)).join(', ')}.`,
    });

    const currencies = moneyByCurrency(dates, report.money);
    if (!currencies.length) {
      const none = document.createElement('p');
      none.textContent = 'No money moved in this period.';
      section.append(none);
    }
    for (const { currency, unit, gross, refunds } of currencies)
      addChart(section, {
        id: `money-${currency}`,
        title: `Gross volume and refunds in ${unit.code} per day`,
        kind: 'bar',
        labels: dates,
        series: [
          { label: 'Gross volume', data: gross },
          { label: 'Refunds', data: refunds },
        ],
        caption: `In all: ${unit.format(sum(gross))} paid, ${unit.format(sum(refunds))} refunded.`,
        formatValue: unit.format,
      });

    const failed = column('failedPayments');
    const dead = column('deadLetters');
    addChart(section, {
      id: 'failures',
      title: 'Failed payments and dead letters per day',
      kind: 'bar',
      labels: dates,
      series: [
        { label: 'Failed payments', data: failed },
        { label: 'Dead letters', data: dead },
      ],
      caption:
        `In all: ${count(sum(failed), 'payment', 'payments')} failed; ` +
        `${count(sum(dead), 'event was', 'events were')} given up on (npm run dead-letters lists them).`,
    });
  },
};
