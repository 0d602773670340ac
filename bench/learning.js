/**
 * `npm run bench:learning`: lecture video on the production layout (each process on its own, on
 * PostgreSQL, NATS JetStream and Redis; local file storage served through the gateway's /files).
 *
 *   - Transcode: a BENCH_VIDEO_SECONDS (60) 720p source made by FFmpeg is uploaded through drive and
 *     attached to a lecture; reported: seconds of video per wall second from attach to READY, and the
 *     API's latency (a course query at BENCH_PROBE_RATE per second) before and while it transcodes.
 *   - Start of playback: from asking for `playback` to the first bytes of the first segment (master
 *     playlist, rendition playlist, segment), one viewer at a time.
 *   - Viewers: BENCH_VIEWERS (200) students stream the 720p rendition's segments through the gateway
 *     for BENCH_DURATION (10) seconds: first as players do (a segment as its time comes), then back to
 *     back (the capacity); reported: segments and bytes per second, p50/p99 per segment.
 *   - Heartbeats: `recordProgress` at each of BENCH_HEARTBEAT_RATES (250, 500, 1,000) per second, open
 *     loop, for BENCH_DURATION seconds from the same students; reported: answered per second, p50/p99.
 *
 * Accounts are seeded straight into identity's table with tokens signed by the bench's key; everything
 * else goes through the public API. Writes bench/LEARNING-RESULTS.md.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parsePlaylist, videoBinaries } from '@peerlink/learning';
import { bearer, graphql } from './graphql.js';
import { cpuModel } from './proc.js';
import { runBench } from './stack.js';
import { mapLimit, percentile, positiveInteger, sleep, waitFor } from './util.js';

const RESULTS_FILE = fileURLToPath(new URL('./LEARNING-RESULTS.md', import.meta.url));
const setting = (name, fallback) => positiveInteger('bench:learning', name, fallback);
const options = {
  videoSeconds: setting('BENCH_VIDEO_SECONDS', 60),
  probeRate: setting('BENCH_PROBE_RATE', 20),
  playbackStarts: setting('BENCH_PLAYBACK_STARTS', 30),
  viewers: setting('BENCH_VIEWERS', 200),
  heartbeatRates: (process.env.BENCH_HEARTBEAT_RATES ?? '250,500,1000')
    .split(',')
    .map(Number)
    .filter((r) => Number.isInteger(r) && r > 0),
  durationSeconds: setting('BENCH_DURATION', 10),
};
const log = (line) => console.error(`bench:learning: ${line}`);
const run = promisify(execFile);

const COURSE =
  'query Course($id: ID!) { course(id: $id) { title lectureCount sections { title lectures { title } } } }';
const PLAYBACK = 'query Playback($id: ID!) { lecture(id: $id) { playback { url expiresAt } } }';
const HEARTBEAT = `mutation Heartbeat($lectureId: ID!, $position: Int!, $watched: Int!) {
  recordProgress(lectureId: $lectureId, positionSeconds: $position, watchedSeconds: $watched) { __typename }
}`;

const startedAt = Date.now();
await runBench('bench:learning', RESULTS_FILE, async ({ start }) => {
  log('starting the stack (distributed; PostgreSQL, NATS JetStream, Redis)');
  const system = await start({ embedded: false, topology: 'distributed', env: { RATE_LIMIT_PER_MINUTE: '0' } });
  const [[teacher], students] = await Promise.all([
    system.seedAccounts(1, { roles: ['USER', 'INSTRUCTOR'] }),
    system.seedAccounts(options.viewers),
  ]);
  log(`making a ${options.videoSeconds} s 720p source`);
  const source = await makeVideo(options.videoSeconds);
  const course = await draftCourse(system, teacher);
  const transcode = await measureTranscode(system, teacher, course, source);
  await graphql(
    system.url,
    'mutation P($id: ID!) { publishCourse(id: $id) { status } }',
    { id: course.id },
    auth(teacher),
  );
  await mapLimit(students, 20, (s) =>
    graphql(system.url, 'mutation E($id: ID!) { enroll(courseId: $id) { status } }', { id: course.id }, auth(s)),
  );
  const starts = await measurePlaybackStart(system, students, course.lectureId);
  const viewing = [];
  for (const paced of [true, false]) viewing.push(await measureViewers(system, students, course.lectureId, paced));
  const heartbeats = [];
  for (const rate of options.heartbeatRates)
    heartbeats.push(await measureHeartbeats(system, students, course.lectureId, rate));
  return render({ transcode, starts, viewing, heartbeats, wallSeconds: (Date.now() - startedAt) / 1000 });
});

function auth(account) {
  return bearer(account.token);
}

/** FFmpeg's test pattern and a tone, 1280×720 at 30 fps, H.264 and AAC: a typical screen recording's shape. */
async function makeVideo(seconds) {
  const { ffmpegPath } = videoBinaries(process.env);
  const folder = await mkdtemp(join(tmpdir(), 'peerlink-bench-video-'));
  try {
    const out = join(folder, 'source.mp4');
    await run(ffmpegPath, [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      ...['-t', String(seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'],
      ...['-c:a', 'aac', '-shortest', '-movflags', '+faststart', out],
    ]);
    return await readFile(out);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

async function draftCourse(system, teacher) {
  const { createCourse } = await graphql(
    system.url,
    'mutation C($input: CourseInput!) { createCourse(input: $input) { id } }',
    { input: { title: 'Benchmark course', description: 'Video under load.' } },
    auth(teacher),
  );
  const { addSection } = await graphql(
    system.url,
    'mutation S($id: ID!) { addSection(courseId: $id, title: "Only") { id } }',
    { id: createCourse.id },
    auth(teacher),
  );
  const { addLecture } = await graphql(
    system.url,
    'mutation L($id: ID!, $input: LectureInput!) { addLecture(sectionId: $id, input: $input) { id } }',
    { id: addSection.id, input: { title: 'The video', kind: 'VIDEO' } },
    auth(teacher),
  );
  return { id: createCourse.id, lectureId: addLecture.id };
}

/** Drive's upload flow: a ticket, the bytes PUT to its signed URL, completion. */
async function upload(system, account, bytes) {
  const { createUpload } = await graphql(
    system.url,
    `mutation U($input: CreateUploadInput!) {
      createUpload(input: $input) { uploadId uploadUrl headers { name value } }
    }`,
    {
      input: {
        name: 'source.mp4',
        mimeType: 'video/mp4',
        size: bytes.length,
        checksum: createHash('sha256').update(bytes).digest('hex'),
      },
    },
    auth(account),
  );
  const put = await fetch(createUpload.uploadUrl, {
    method: 'PUT',
    headers: Object.fromEntries(createUpload.headers.map((h) => [h.name, h.value])),
    body: bytes,
  });
  if (put.status !== 200) throw new Error(`upload PUT answered ${put.status}`);
  const { completeUpload } = await graphql(
    system.url,
    'mutation D($id: ID!) { completeUpload(uploadId: $id) { id } }',
    { id: createUpload.uploadId },
    auth(account),
  );
  return completeUpload.id;
}

/**
 * Course queries at a fixed rate (open loop) until `until()` says stop; latencies in ms. A slow answer
 * does not delay the next request, so a stalled API shows in the tail.
 */
async function probeApi(system, account, courseId, until) {
  const latencies = [];
  const inFlight = [];
  const started = performance.now();
  for (let i = 0; !until(); i++) {
    const wait = started + (i * 1000) / options.probeRate - performance.now();
    if (wait > 1) await sleep(wait);
    const at = performance.now();
    inFlight.push(
      graphql(system.url, COURSE, { id: courseId }, auth(account)).then(() => latencies.push(performance.now() - at)),
    );
  }
  await Promise.all(inFlight);
  return latencies.sort((a, b) => a - b);
}

async function measureTranscode(system, teacher, course, source) {
  const fileId = await upload(system, teacher, source);
  log(`API latency with nothing transcoding (${options.durationSeconds} s)`);
  const quietEnds = performance.now() + options.durationSeconds * 1000;
  const quiet = await probeApi(system, teacher, course.id, () => performance.now() > quietEnds);
  log('transcoding');
  const cpuBefore = system.cpuSeconds();
  const attachedAt = performance.now();
  let readyAt = null;
  await graphql(
    system.url,
    'mutation A($l: ID!, $f: ID!) { attachLectureVideo(lectureId: $l, fileId: $f) { id } }',
    { l: course.lectureId, f: fileId },
    auth(teacher),
  );
  const watching = waitFor(
    'the video to be READY',
    async () => {
      const { lecture } = await graphql(
        system.url,
        'query V($id: ID!) { lecture(id: $id) { video { status failureReason } } }',
        { id: course.lectureId },
        auth(teacher),
      );
      if (lecture.video.status === 'FAILED') throw new Error(`transcode failed: ${lecture.video.failureReason}`);
      if (lecture.video.status !== 'READY') return false;
      readyAt = performance.now();
      return true;
    },
    30 * 60_000,
    250,
  );
  const busy = await probeApi(system, teacher, course.id, () => readyAt !== null);
  await watching;
  const wallSeconds = (readyAt - attachedAt) / 1000;
  return {
    wallSeconds,
    speed: options.videoSeconds / wallSeconds,
    quiet,
    busy,
    cpu: system.cpuSince(cpuBefore),
  };
}

async function playlistAt(url) {
  const answer = await fetch(url);
  if (answer.status !== 200) throw new Error(`playlist ${url} answered ${answer.status}`);
  return parsePlaylist(await answer.text());
}

/** From asking for `playback` to the first bytes of the first segment, as a player starting up does it. */
async function measurePlaybackStart(system, students, lectureId) {
  log(`${options.playbackStarts} playback starts, one at a time`);
  const total = [];
  const steps = { playback: [], master: [], rendition: [], firstByte: [] };
  for (let i = 0; i < options.playbackStarts; i++) {
    const student = students[i % students.length];
    const t0 = performance.now();
    const { lecture } = await graphql(system.url, PLAYBACK, { id: lectureId }, auth(student));
    const t1 = performance.now();
    const master = await playlistAt(lecture.playback.url);
    const t2 = performance.now();
    const renditionUrl = new URL(master.variants[0].uri, lecture.playback.url).href;
    const rendition = await playlistAt(renditionUrl);
    const t3 = performance.now();
    const segment = await fetch(new URL(rendition.segments[0].uri, renditionUrl));
    const reader = segment.body.getReader();
    await reader.read();
    const t4 = performance.now();
    await reader.cancel();
    total.push(t4 - t0);
    steps.playback.push(t1 - t0);
    steps.master.push(t2 - t1);
    steps.rendition.push(t3 - t2);
    steps.firstByte.push(t4 - t3);
  }
  for (const list of [total, ...Object.values(steps)]) list.sort((a, b) => a - b);
  return { total, steps };
}

/**
 * Each viewer fetches the top rendition's segments in order, whole, looping: `paced`, each when its
 * time comes (a player keeping a steady buffer; viewers start spread over one segment's length), else
 * one after another as fast as they come (the capacity).
 */
async function measureViewers(system, students, lectureId, paced) {
  log(`${options.viewers} viewers streaming for ${options.durationSeconds} s, ${paced ? 'paced' : 'back to back'}`);
  const sessions = await mapLimit(students.slice(0, options.viewers), 20, async (student) => {
    const { lecture } = await graphql(system.url, PLAYBACK, { id: lectureId }, auth(student));
    const master = await playlistAt(lecture.playback.url);
    const renditionUrl = new URL(master.variants.at(-1).uri, lecture.playback.url).href;
    const rendition = await playlistAt(renditionUrl);
    return rendition.segments.map((s) => ({ url: new URL(s.uri, renditionUrl).href, seconds: s.durationSeconds }));
  });
  const latencies = [];
  let bytes = 0;
  let failed = 0;
  const cpuBefore = system.cpuSeconds();
  const started = performance.now();
  const ends = started + options.durationSeconds * 1000;
  await Promise.all(
    sessions.map(async (segments, viewer) => {
      let due = started + (paced ? (viewer / sessions.length) * segments[0].seconds * 1000 : 0);
      for (let i = viewer % segments.length; performance.now() < ends; i = (i + 1) % segments.length) {
        if (paced) {
          if (due > performance.now()) await sleep(due - performance.now());
          due += segments[i].seconds * 1000;
        }
        const at = performance.now();
        const answer = await fetch(segments[i].url);
        const body = await answer.arrayBuffer();
        if (answer.status !== 200) failed++;
        else {
          bytes += body.byteLength;
          latencies.push(performance.now() - at);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const segmentSeconds = sessions[0].reduce((sum, s) => sum + s.seconds, 0) / sessions[0].length;
  return {
    paced,
    segmentSeconds,
    segmentsPerSecond: latencies.length / seconds,
    megabitsPerSecond: (bytes * 8) / 1e6 / seconds,
    failed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpu: system.cpuSince(cpuBefore),
  };
}

/**
 * Open loop at the target rate: each student's position moves on five seconds per heartbeat, as a player's does,
 * and wraps before the end.
 */
async function measureHeartbeats(system, students, lectureId, rate) {
  const total = rate * options.durationSeconds;
  const watchable = Math.floor(options.videoSeconds * 0.8);
  log(`${total} heartbeats at ${rate}/s`);
  const latencies = [];
  const failures = new Map();
  const beats = new Map();
  const cpuBefore = system.cpuSeconds();
  const started = performance.now();
  const inFlight = [];
  for (let i = 0; i < total; i++) {
    const wait = started + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    const student = students[i % students.length];
    const n = (beats.get(student.userId) ?? 0) + 1;
    beats.set(student.userId, n);
    // Below the 90% that completes the lecture: heartbeats alone, not completions and certificates.
    const watched = Math.min(n * 5, watchable);
    const position = (n * 5) % watchable;
    const at = performance.now();
    inFlight.push(
      graphql(system.url, HEARTBEAT, { lectureId, position, watched }, auth(student)).then(
        () => latencies.push(performance.now() - at),
        (error) => {
          const reason = String(error.message ?? error).slice(0, 120);
          failures.set(reason, (failures.get(reason) ?? 0) + 1);
        },
      ),
    );
  }
  const sendSeconds = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  const answerSeconds = (performance.now() - started) / 1000;
  for (const [reason, count] of failures) log(`  ${count} heartbeats failed: ${reason}`);
  latencies.sort((a, b) => a - b);
  return {
    rate,
    total,
    answeredPerSecond: latencies.length / answerSeconds,
    accepted: latencies.length,
    sentPerSecond: total / sendSeconds,
    failed: total - latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpu: system.cpuSince(cpuBefore),
  };
}

function render({ transcode, starts, viewing, heartbeats, wallSeconds }) {
  const ms = (v) =>
    Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} ms` : 'n/a';
  const pair = (list) => `${ms(percentile(list, 50))} / ${ms(percentile(list, 99))}`;
  const cpuRow = (cpu) =>
    Object.entries(cpu.byProcess)
      .filter(([, s]) => s >= 0.05)
      .map(([name, s]) => `${name} ${s.toFixed(1)}`)
      .join(', ');
  return [
    '# Learning benchmark',
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpuModel()}, ` +
      `${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}; load average after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}; ${Math.round(wallSeconds)} s in all.`,
    '',
    '**System under test.** The production layout: each subgraph in its own process and the gateway in ' +
      'another, on the machine’s PostgreSQL, NATS JetStream and Redis, with local file storage (segments ' +
      'served by drive through the gateway’s `/files`). FFmpeg is the static build learning ships with ' +
      '(`LEARNING_TRANSCODE_CONCURRENCY=1`). The load generator is one process on the same cores.',
    '',
    `**Transcode.** A ${options.videoSeconds} s 1280×720 30 fps H.264/AAC source, uploaded through drive, ` +
      `then \`attachLectureVideo\`; timed from the attach to the lecture reading READY (drive’s check, the ` +
      `queue, the 360p and 720p encodes, the thumbnail, storing the files).`,
    '',
    '| video | attach to READY | speed (video s per wall s) |',
    '| --- | --- | --- |',
    `| ${options.videoSeconds} s | ${transcode.wallSeconds.toFixed(1)} s | ${transcode.speed.toFixed(2)}× |`,
    '',
    `API latency meanwhile: \`course(id)\` with its sections and lectures, ${options.probeRate} per second, ` +
      'open loop, through the gateway.',
    '',
    '| while | requests | p50 / p99 |',
    '| --- | --- | --- |',
    `| nothing transcodes | ${transcode.quiet.length} | ${pair(transcode.quiet)} |`,
    `| a transcode runs | ${transcode.busy.length} | ${pair(transcode.busy)} |`,
    '',
    `CPU seconds of the stack’s processes while it transcoded (FFmpeg’s own children are not in these): ` +
      `${cpuRow(transcode.cpu)}.`,
    '',
    `**Start of playback.** ${options.playbackStarts} starts, one at a time, each a different enrolled ` +
      'student: `lecture { playback }`, the master playlist, the first rendition’s playlist, then the first ' +
      'bytes of its first segment.',
    '',
    '| step | p50 / p99 |',
    '| --- | --- |',
    `| \`playback\` query | ${pair(starts.steps.playback)} |`,
    `| master playlist (checked and signed by learning) | ${pair(starts.steps.master)} |`,
    `| rendition playlist (segment links signed) | ${pair(starts.steps.rendition)} |`,
    `| first segment’s first bytes (through \`/files\`) | ${pair(starts.steps.firstByte)} |`,
    `| **playback to first segment bytes** | **${pair(starts.total)}** |`,
    '',
    `**Concurrent viewers.** ${options.viewers} students each fetch the 720p rendition’s segments whole ` +
      `through the gateway for ${options.durationSeconds} s: paced as a player fetches them (each segment when ` +
      'its time comes, viewers spread over one segment’s length), then back to back as fast as they come ' +
      '(the capacity). “Real-time viewers” is how many players that throughput would keep fed.',
    '',
    '| viewers | fetching | segments/s | throughput | per segment p50 / p99 | failed | real-time viewers |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...viewing.map(
      (v) =>
        `| ${options.viewers} | ${v.paced ? 'paced' : 'back to back'} | ${v.segmentsPerSecond.toFixed(0)} | ` +
        `${v.megabitsPerSecond.toFixed(0)} Mbit/s | ${ms(v.p50)} / ${ms(v.p99)} | ${v.failed} | ` +
        `${Math.floor(v.segmentsPerSecond * v.segmentSeconds)} |`,
    ),
    '',
    `CPU seconds meanwhile (back to back): ${cpuRow(viewing.at(-1).cpu)}.`,
    '',
    `**Progress heartbeats.** \`recordProgress\` from ${options.viewers} students at fixed rates for ` +
      `${options.durationSeconds} s each, open loop (a slow answer does not hold the next heartbeat back). ` +
      '“Answered” counts answers per second until the last one came. Positions stay below the 90% that ' +
      'completes a lecture, so completions and certificates are not in these figures.',
    '',
    '| target | sent | answered | failed | p50 / p99 | CPU seconds (busiest) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...heartbeats.map(
      (h) =>
        `| ${h.rate}/s | ${h.sentPerSecond.toFixed(0)}/s | ${h.answeredPerSecond.toFixed(0)}/s | ${h.failed} | ` +
        `${ms(h.p50)} / ${ms(h.p99)} | ${cpuRow(h.cpu)} |`,
    ),
    '',
  ].join('\n');
}
