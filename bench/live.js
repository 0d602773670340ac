/**
 * `npm run bench:live`: live sessions on the production layout (each process on its own, on PostgreSQL,
 * NATS JetStream and Redis), the embedded werift SFU inside the live-sessions process. The clients are
 * werift peers in this process, signalling only through the gateway (GraphQL and graphql-ws).
 *
 *   - Join time: BENCH_JOINS (30) fresh viewers of a live stream whose host publishes audio, one at a time:
 *     from calling `joinSession` (already subscribed to `sessionEvent`) to the first RTP packet of the host's
 *     track, with the steps between (the SFU's offer arriving, the answer sent, the connection up).
 *   - Signalling round trip: BENCH_ROUND_TRIPS (30) times the host calls `setParticipantRole` on a viewer
 *     (SPEAKER, then VIEWER again); timed to the PARTICIPANT_CHANGED event (outbox, NATS, the gateway) and
 *     to the SFU's renegotiation offer arriving at that viewer over graphql-ws.
 *   - Forwarding capacity: the host publishes Opus-sized audio (50 packets/s) and, in a second window,
 *     VP8-like video too (90 packets/s of 1,200 bytes); BENCH_SUBSCRIBERS (5,10,20,40,60,80,100,120,160)
 *     viewers in turn receive it for BENCH_DURATION (10) seconds per window. Loss counts the publisher's
 *     payload counters each subscriber did not receive; added delay is from the publisher writing a packet
 *     to a subscriber receiving it (the send time is in the payload; one process, one clock).
 *
 * Writes bench/LIVE-RESULTS.md.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { bearer, graphql } from './graphql.js';
import { LivePeer, PACKET_SIZES, stampOf } from './live-peer.js';
import { cpuModel } from './proc.js';
import { runBench } from './stack.js';
import { mapLimit, percentile, positiveInteger, sleep, waitFor } from './util.js';

const RESULTS_FILE = fileURLToPath(new URL('./LIVE-RESULTS.md', import.meta.url));
const setting = (name, fallback) => positiveInteger('bench:live', name, fallback);
const options = {
  joins: setting('BENCH_JOINS', 30),
  roundTrips: setting('BENCH_ROUND_TRIPS', 30),
  subscribers: (process.env.BENCH_SUBSCRIBERS ?? '5,10,20,40,60,80,100,120,160')
    .split(',')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => a - b),
  durationSeconds: setting('BENCH_DURATION', 10),
};
/** The issue's targets for a subscriber count to count as served. */
const TARGET = { lossPercent: 5, delayMs: 50 };
const log = (line) => console.error(`bench:live: ${line}`);

const START = `mutation S($title: String!) {
  startLiveStream(title: $title, visibility: PUBLIC) { id }
}`;
const SET_ROLE = `mutation R($sessionId: ID!, $userId: ID!, $role: ParticipantRole!) {
  setParticipantRole(sessionId: $sessionId, userId: $userId, role: $role) { role }
}`;

const startedAt = Date.now();
const loadBefore = loadavg();
await runBench('bench:live', RESULTS_FILE, async ({ start }) => {
  log('starting the stack (distributed; PostgreSQL, NATS JetStream, Redis)');
  const system = await start({ embedded: false, topology: 'distributed', env: { RATE_LIMIT_PER_MINUTE: '0' } });
  const maxSubscribers = options.subscribers.at(-1) ?? 0;
  const [[host], viewers] = await Promise.all([
    system.seedAccounts(1),
    system.seedAccounts(Math.max(options.joins, maxSubscribers, 1) + 1),
  ]);
  const { startLiveStream } = await graphql(system.url, START, { title: 'Benchmark stream' }, bearer(host.token));
  const sessionId = startLiveStream.id;
  const publisher = new LivePeer({ url: system.url, account: host, sessionId });
  await publisher.subscribe();
  await publisher.join({ publish: { audio: true, video: false } });
  await publisher.connected();
  await waitFor('the host to send audio', () => publisher.sent?.audio > 50, 30_000, 20);
  try {
    const joins = await measureJoins(system, sessionId, viewers.slice(0, options.joins));
    const roundTrips = await measureRoundTrips(system, sessionId, host, viewers.at(-1));
    const capacity = await measureCapacity(system, sessionId, publisher, viewers.slice(0, maxSubscribers));
    return render({ joins, roundTrips, capacity, wallSeconds: (Date.now() - startedAt) / 1000 });
  } finally {
    await publisher.close();
  }
});

/** One fresh viewer at a time: subscribed first, then timed from `joinSession` to the host's first packet. */
async function measureJoins(system, sessionId, accounts) {
  log(`${accounts.length} joins, one at a time`);
  const steps = { joinReturned: [], offer: [], answered: [], connected: [], firstPacket: [] };
  for (const account of accounts) {
    const viewer = new LivePeer({ url: system.url, account, sessionId });
    try {
      await viewer.subscribe();
      let answeredAt = null;
      let connectedAt = null;
      const t0 = performance.now();
      const joining = viewer.join();
      viewer.pc.connectionStateChange.subscribe((state) => {
        if (state === 'connected') connectedAt ??= performance.now();
      });
      await joining;
      const joinReturned = performance.now();
      await waitFor(
        'the host’s first packet',
        () => {
          if (viewer.failures.length) throw new Error(viewer.failures[0]);
          if (viewer.offersAnswered > 0) answeredAt ??= performance.now();
          return viewer.firstPacketAt !== null;
        },
        30_000,
        1,
      );
      const offerAt = viewer.events.find((e) => e.signal === 'OFFER').at;
      steps.joinReturned.push(joinReturned - t0);
      steps.offer.push(offerAt - t0);
      steps.answered.push((answeredAt ?? viewer.firstPacketAt) - t0);
      steps.connected.push((connectedAt ?? viewer.firstPacketAt) - t0);
      steps.firstPacket.push(viewer.firstPacketAt - t0);
    } finally {
      await viewer.leave();
      await viewer.close();
    }
  }
  for (const list of Object.values(steps)) list.sort((a, b) => a - b);
  return steps;
}

/** The host changes a viewer's role back and forth; timed to the event and to the SFU's new offer. */
async function measureRoundTrips(system, sessionId, host, account) {
  log(`${options.roundTrips} role changes`);
  const viewer = new LivePeer({ url: system.url, account, sessionId });
  const mutation = [];
  const event = [];
  const offer = [];
  const gap = [];
  try {
    await viewer.subscribe();
    await viewer.join();
    await viewer.connected();
    for (let i = 0; i < options.roundTrips; i++) {
      const role = i % 2 === 0 ? 'SPEAKER' : 'VIEWER';
      const mark = viewer.events.length;
      const answeredBefore = viewer.offersAnswered;
      const t0 = performance.now();
      await graphql(system.url, SET_ROLE, { sessionId, userId: account.userId, role }, bearer(host.token));
      mutation.push(performance.now() - t0);
      const arrived = (test) => viewer.events.slice(mark).find(test);
      await waitFor(
        'the role change to reach the viewer',
        () => {
          if (viewer.failures.length) throw new Error(viewer.failures[0]);
          return (
            arrived((e) => e.kind === 'PARTICIPANT_CHANGED' && e.userId === account.userId) &&
            arrived((e) => e.signal === 'OFFER') &&
            viewer.offersAnswered > answeredBefore
          );
        },
        30_000,
        1,
      );
      event.push(arrived((e) => e.kind === 'PARTICIPANT_CHANGED').at - t0);
      offer.push(arrived((e) => e.signal === 'OFFER').at - t0);
      gap.push(Math.abs(offer.at(-1) - event.at(-1)));
    }
  } finally {
    await viewer.leave();
    await viewer.close();
  }
  for (const list of [mutation, event, offer, gap]) list.sort((a, b) => a - b);
  return { mutation, event, offer, gap };
}

/**
 * Subscribers join up to each count in turn; at each, one window with the host sending audio only and one
 * with audio and video. Stops growing once even audio misses the targets by far (the machine is saturated).
 */
async function measureCapacity(system, sessionId, publisher, accounts) {
  const subscribers = [];
  const steps = [];
  for (const count of options.subscribers) {
    log(`${count} subscribers: joining`);
    const joinStarted = performance.now();
    const joining = accounts.slice(subscribers.length, count).map((account) => {
      const peer = new LivePeer({ url: system.url, account, sessionId });
      subscribers.push(peer);
      return peer;
    });
    try {
      await mapLimit(joining, 4, async (peer) => {
        await peer.subscribe();
        await peer.join();
        await peer.connected(60_000);
      });
      await waitFor('every subscriber to receive audio', () => subscribers.every((p) => p.firstPacketAt), 60_000, 50);
    } catch (error) {
      const connected = subscribers.filter((p) => p.pc?.connectionState === 'connected').length;
      const receiving = subscribers.filter((p) => p.firstPacketAt).length;
      const reason = `${String(error.message).slice(0, 120)} (${connected} connected, ${receiving} receiving)`;
      log(`  joining ${count} failed: ${reason}`);
      steps.push({ count, joinFailed: reason });
      break;
    }
    const joinSeconds = (performance.now() - joinStarted) / 1000;
    const step = { count, joinSeconds, windows: [] };
    for (const video of [false, true]) {
      log(`  ${count} subscribers, ${video ? 'audio and video' : 'audio only'}, ${options.durationSeconds} s`);
      step.windows.push(await measureWindow(system, publisher, subscribers, video));
    }
    steps.push(step);
    // The next subscribers join with audio alone flowing, as the first ones did.
    publisher.publishing = { audio: true, video: false };
    if (step.windows[0].worstLossPercent > 50) break;
  }
  publisher.publishing = { audio: true, video: false };
  await Promise.all(subscribers.map((p) => p.close()));
  return steps;
}

async function measureWindow(system, publisher, subscribers, video) {
  publisher.publishing = { audio: true, video };
  // Let video reach everyone (and the SFU's keyframe requests settle) before the clock starts.
  await sleep(video ? 2000 : 500);
  const received = subscribers.map(() => ({ audio: new Set(), video: new Set() }));
  const delays = { audio: [], video: [] };
  const from = { ...publisher.sent };
  let to = null;
  subscribers.forEach((peer, i) => {
    peer.onPacket = (kind, payload, at) => {
      const stamp = stampOf(payload);
      if (!stamp || stamp.counter < from[kind] || (to && stamp.counter >= to[kind])) return;
      received[i][kind].add(stamp.counter);
      delays[kind].push(at - stamp.sentAt);
    };
  });
  const cpuBefore = system.cpuSeconds();
  const benchCpuBefore = process.cpuUsage();
  const started = performance.now();
  await sleep(options.durationSeconds * 1000);
  to = { ...publisher.sent };
  const seconds = (performance.now() - started) / 1000;
  const cpu = system.cpuSince(cpuBefore);
  const benchCpu = process.cpuUsage(benchCpuBefore);
  // Packets still in flight get a second to arrive; later ones count as lost.
  await sleep(1000);
  for (const peer of subscribers) peer.onPacket = null;
  const kinds = video ? ['audio', 'video'] : ['audio'];
  const expected = Object.fromEntries(kinds.map((k) => [k, to[k] - from[k]]));
  const lossPercents = received.map((r) => {
    const want = kinds.reduce((sum, k) => sum + expected[k], 0);
    const got = kinds.reduce((sum, k) => sum + r[k].size, 0);
    return want ? (100 * (want - got)) / want : 100;
  });
  const allDelays = kinds.flatMap((k) => delays[k]).sort((a, b) => a - b);
  for (const k of kinds) delays[k].sort((a, b) => a - b);
  const worstLossPercent = Math.max(...lossPercents);
  const p99 = percentile(allDelays, 99);
  return {
    video,
    sentPerSecond: Object.fromEntries(kinds.map((k) => [k, expected[k] / seconds])),
    meanLossPercent: lossPercents.reduce((a, b) => a + b, 0) / lossPercents.length,
    worstLossPercent,
    p50: percentile(allDelays, 50),
    p99,
    audioP99: percentile(delays.audio, 99),
    videoP99: video ? percentile(delays.video, 99) : NaN,
    megabitsOut:
      (subscribers.length *
        kinds.reduce((sum, k) => sum + expected[k] * (k === 'audio' ? PACKET_SIZES.audio : PACKET_SIZES.video), 0) *
        8) /
      1e6 /
      seconds,
    met: worstLossPercent < TARGET.lossPercent && p99 < TARGET.delayMs,
    cpu,
    benchCores: (benchCpu.user + benchCpu.system) / 1e6 / seconds,
  };
}

function render({ joins, roundTrips, capacity, wallSeconds }) {
  const ms = (v) =>
    Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} ms` : 'n/a';
  const pair = (list) => `${ms(percentile(list, 50))} / ${ms(percentile(list, 99))}`;
  const loads = (list) => list.map((l) => l.toFixed(2)).join(' / ');
  const cores = (cpu, name) => (cpu.byProcess[name] ?? NaN) / options.durationSeconds;
  const largest = (video) =>
    capacity
      .filter((s) => s.windows?.find((w) => w.video === video)?.met)
      .map((s) => s.count)
      .at(-1) ?? 0;
  const measured = capacity.filter((s) => s.windows).map((s) => s.count);
  const served = (video) => {
    const n = largest(video);
    const more = measured.find((c) => c > n);
    return n ? `${n}${more ? ` (${more} missed)` : ' (the largest count tried)'}` : `none of ${measured.join(', ')}`;
  };
  return [
    '# Live sessions benchmark',
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpuModel()}, ` +
      `${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}; load average (1 / 5 / 15 min) ` +
      `before ${loads(loadBefore)}, after ${loads(loadavg())}; ${Math.round(wallSeconds)} s in all.`,
    '',
    '**System under test.** The production layout: each subgraph in its own process and the gateway in ' +
      'another, on the machine’s PostgreSQL, NATS JetStream and Redis; the embedded werift SFU runs inside the ' +
      'live-sessions process. The clients are werift peers in the bench’s one process on the same cores, ' +
      'signalling only through the gateway (GraphQL over HTTP, `sessionEvent` over graphql-ws); their CPU ' +
      '(DTLS, SRTP, RTP parsing for every subscriber) counts against the machine too, and is shown per step.',
    '',
    '## Summary',
    '',
    '| measure | result | target |',
    '| --- | --- | --- |',
    `| join: \`joinSession\` to the host’s first RTP packet, p50 / p99 | ${pair(joins.firstPacket)} | — |`,
    `| signalling: \`setParticipantRole\` to the event at the client, p50 / p99 | ${pair(roundTrips.event)} | — |`,
    `| signalling: \`setParticipantRole\` to the SFU’s new offer at the client, p50 / p99 | ` +
      `${pair(roundTrips.offer)} | — |`,
    `| audio-only subscribers served | ${served(false)} | under ${TARGET.lossPercent}% loss and ` +
      `${TARGET.delayMs} ms added delay |`,
    `| audio + video subscribers served | ${served(true)} | under ${TARGET.lossPercent}% loss and ` +
      `${TARGET.delayMs} ms added delay |`,
    '',
    `**Join time.** ${joins.firstPacket.length} fresh viewers of a public live stream, one at a time, whose ` +
      'host publishes audio (50 packets/s). Each viewer subscribes to `sessionEvent` first (waiting for its ' +
      'CURRENT event), then the clock starts at `joinSession`; the SFU offers over graphql-ws, the viewer answers ' +
      'with `sendSignal`, ICE and DTLS connect, and the clock stops at the first RTP packet of the host’s track. ' +
      'Each step is timed from the same start.',
    '',
    '| step (from calling `joinSession`) | p50 / p99 |',
    '| --- | --- |',
    `| \`joinSession\` answered | ${pair(joins.joinReturned)} |`,
    `| the SFU’s offer arrives (graphql-ws) | ${pair(joins.offer)} |`,
    `| answer sent (\`sendSignal\` answered) | ${pair(joins.answered)} |`,
    `| connection up (ICE, DTLS) | ${pair(joins.connected)} |`,
    `| **first RTP packet of the host’s audio** | **${pair(joins.firstPacket)}** |`,
    '',
    `**Signalling round trip.** ${roundTrips.event.length} times the host calls \`setParticipantRole\` on a ` +
      'connected viewer (SPEAKER, then VIEWER again); timed from the call to what arrives at the viewer’s ' +
      'graphql-ws subscription: the PARTICIPANT_CHANGED event (committed, through the outbox and NATS to the ' +
      'gateway, which resolves it for the subscriber) and the SFU’s renegotiation offer (a direct signal to that ' +
      'participant alone). Each offer is answered before the next change.',
    '',
    '| from the mutation to | p50 / p99 |',
    '| --- | --- |',
    `| its response | ${pair(roundTrips.mutation)} |`,
    `| PARTICIPANT_CHANGED at the viewer | ${pair(roundTrips.event)} |`,
    `| the SFU’s offer at the viewer | ${pair(roundTrips.offer)} |`,
    `| (between the two arrivals) | ${pair(roundTrips.gap)} |`,
    '',
    `**Forwarding capacity.** The host publishes synthetic RTP: Opus-sized audio (${PACKET_SIZES.audio} bytes ` +
      `every 20 ms) and, in the second window at each count, VP8-like video (a frame of ` +
      `${PACKET_SIZES.videoPacketsPerFrame} × ${PACKET_SIZES.video} bytes every 33 ms: about 90 packets and ` +
      `0.86 Mbit/s). Viewers join through the gateway up to each count; each window lasts ` +
      `${options.durationSeconds} s. Loss: the publisher’s packets (counted in the payload) a subscriber did not ` +
      'receive within a second of the window’s end; the worst subscriber’s is shown. Added delay: from the ' +
      'publisher writing a packet to a subscriber receiving it, over every packet received (both in this ' +
      `process: one clock). A count is served when every subscriber loses under ${TARGET.lossPercent}% and the ` +
      `p99 delay is under ${TARGET.delayMs} ms. CPU in cores (CPU seconds per second) of the live-sessions ` +
      'process (the SFU) and of the bench process (the publisher and every subscriber). “Sent/s” below the ' +
      'nominal 50 + 90 means the bench’s own event loop fell behind: its timers fired late, and its delays include ' +
      'that lag.',
    '',
    '| subscribers | media | sent/s | out of the SFU | loss mean / worst | delay p50 / p99 | SFU cores | ' +
      'bench cores | served |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...capacity.flatMap((step) =>
      step.joinFailed
        ? [`| ${step.count} | joining failed: ${step.joinFailed} | | | | | | | no |`]
        : step.windows.map(
            (w) =>
              `| ${step.count} | ${w.video ? 'audio + video' : 'audio'} | ` +
              `${Object.values(w.sentPerSecond)
                .map((v) => v.toFixed(0))
                .join(' + ')} | ${w.megabitsOut.toFixed(1)} Mbit/s | ` +
              `${w.meanLossPercent.toFixed(1)}% / ${w.worstLossPercent.toFixed(1)}% | ${ms(w.p50)} / ${ms(w.p99)} | ` +
              `${cores(w.cpu, 'live-sessions').toFixed(2)} | ${w.benchCores.toFixed(2)} | ${w.met ? 'yes' : 'no'} |`,
          ),
    ),
    '',
    `Subscribers joined per step in: ${capacity
      .filter((s) => s.windows)
      .map((s) => `${s.count} in ${s.joinSeconds.toFixed(1)} s`)
      .join(', ')} (four at a time).`,
    '',
  ].join('\n');
}
