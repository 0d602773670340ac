// What drive stores, on the admin reports page: bytes and files at each day's end, and what came and went.
import { addChart } from './admin-charts.js';

const QUERY = `query AdminStorageReport($period: ReportPeriod!) {
  storageReport(period: $period) { days { date files bytes bytesAdded bytesPurged } lastEventAt }
}`;

const MB = 1_000_000;
const megabytes = (bytes) => Math.round((bytes / MB) * 100) / 100;
const inMegabytes = (value) => `${value.toLocaleString()} MB`;

export const storageReport = {
  id: 'storage',
  title: 'Storage',
  query: QUERY,

  /** Stored at each day's end (the trash counts until it is purged), and the bytes added and purged each day. */
  draw({ storageReport: report }, section, period) {
    const dates = report.days.map((d) => d.date);
    const last = report.days.at(-1) ?? { files: 0, bytes: 0 };
    addChart(section, {
      id: 'stored',
      title: 'Stored at the end of each day (MB)',
      kind: 'line',
      labels: dates,
      series: [{ label: 'Stored', data: report.days.map((d) => megabytes(d.bytes)) }],
      caption:
        `At the end of ${period.to}: ${last.files.toLocaleString()} files, ` + `${inMegabytes(megabytes(last.bytes))}.`,
      formatValue: inMegabytes,
    });
    const added = report.days.map((d) => megabytes(d.bytesAdded));
    const purged = report.days.map((d) => megabytes(d.bytesPurged));
    const sum = (values) => Math.round(values.reduce((total, n) => total + n, 0) * 100) / 100;
    addChart(section, {
      id: 'storage-moves',
      title: 'Added and purged per day (MB)',
      kind: 'bar',
      labels: dates,
      series: [
        { label: 'Added', data: added },
        { label: 'Purged', data: purged },
      ],
      caption: `In all: ${inMegabytes(sum(added))} added, ${inMegabytes(sum(purged))} purged.`,
      formatValue: inMegabytes,
    });
  },
};
