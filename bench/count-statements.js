/**
 * Counts the SQL statements a process of the stack sends, by shape (literals replaced by `?`), for
 * finding per-request costs. Preload it into every process, e.g.
 *
 *   BENCH_NODE_ARGS="--import ./bench/count-statements.js" BENCH_PRODUCTS=2000 BENCH_MARKET_RATES=30 \
 *     node bench/market.js
 *
 * Each process writes peerlink-statements-<SERVICE>.json to the temporary directory (the stack's
 * processes get a fixed environment, so there is no setting) every two seconds and when it exits.
 * Divide by the orders placed for statements per order. It counts; it changes nothing sent.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const counts = new Map();
const shapeOf = (sql) =>
  sql
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\b\d+\b/g, '?')
    .replace(/\s+/g, ' ')
    .replace(/\(\?(, \?)*\)(, \(\?(, \?)*\))+/g, '(…)')
    .slice(0, 200);

const query = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(config, ...rest) {
  const sql = typeof config === 'string' ? config : config?.text;
  if (sql) {
    const shape = shapeOf(sql);
    counts.set(shape, (counts.get(shape) ?? 0) + 1);
  }
  return query.call(this, config, ...rest);
};

const file = join(tmpdir(), `peerlink-statements-${process.env.SERVICE ?? process.pid}.json`);
const save = () =>
  writeFileSync(file, JSON.stringify(Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])), null, 1));
setInterval(save, 2000).unref();
process.on('exit', save);
