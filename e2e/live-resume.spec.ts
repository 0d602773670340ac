import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  ChatEventsDocument,
  OpenDirectConversationDocument,
  SendMessageDocument,
  type ChatEventsSubscription,
} from './generated/graphql.js';
import { ok, request } from './support/client.js';
import { member, type Member } from './support/social.js';
import { services, startTestStack, type TestStack } from './support/stack.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A gateway as its own process, like a replica behind a load balancer, on the test stack's subgraphs and bus. */
class GatewayProcess {
  private constructor(
    private child: ChildProcess,
    readonly url: string,
    private readonly env: Record<string, string>,
    private readonly dataDir: string,
  ) {}

  static async start(t: TestStack, port = 0, dataDir = mkdtempSync(join(tmpdir(), 'peerlink-gw-'))) {
    const { config } = t.stack.infrastructure;
    const env = {
      PATH: process.env.PATH ?? '',
      SERVICE: 'gateway',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      NATS_URL: services.nats,
      REDIS_URL: services.redis,
      EVENT_NAMESPACE: t.namespace,
      SUBGRAPH_URLS: t.stack.subgraphs.map((s) => `${s.name}=${s.url}`).join(','),
      ACCESS_TOKEN_PUBLIC_KEY: String(config.accessTokenKeys!.publicKey.export({ type: 'spki', format: 'pem' })),
      GATEWAY_PRIVATE_KEY: String(config.gatewayKeys!.privateKey!.export({ type: 'pkcs8', format: 'pem' })),
    };
    return GatewayProcess.spawn({ ...env, PORT: String(port) }, dataDir);
  }

  private static async spawn(env: Record<string, string>, dataDir: string) {
    const child = spawn(process.execPath, ['gateway/dist/main.js'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout! });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the gateway exited with ${code} before it was ready`)));
      // Read every line, or a full pipe would stall the gateway's logging.
      lines.on('line', (line) => {
        const entry = /^\{/.test(line) ? (JSON.parse(line) as { msg?: string; url?: string }) : {};
        if (entry.msg === 'gateway ready') resolve(entry.url!);
      });
    });
    return new GatewayProcess(child, url, env, dataDir);
  }

  get port() {
    return new URL(this.url).port;
  }

  /** Killed outright, as a crash or an OOM kill would: no socket is closed politely. */
  async kill() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }

  /** The same gateway again, on the same port. */
  async restart() {
    await this.kill();
    const again = await GatewayProcess.spawn({ ...this.env, PORT: this.port }, this.dataDir);
    this.child = again.child;
  }

  async stop() {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

let t: TestStack;
let gatewayA: GatewayProcess;
let gatewayB: GatewayProcess;
beforeAll(async () => {
  // The in-process gateway resumes little, for the window tests; the gateway processes take the defaults.
  t = await startTestStack({ SUBSCRIPTION_RESUME_MAX_EVENTS: '2', SUBSCRIPTION_RESUME_WINDOW_MS: '1' });
  [gatewayA, gatewayB] = await Promise.all([GatewayProcess.start(t), GatewayProcess.start(t)]);
});
afterAll(async () => {
  await Promise.all([gatewayA?.stop(), gatewayB?.stop()]);
  await t?.stop();
});

type Result = {
  data?: ChatEventsSubscription | null;
  errors?: readonly GraphQLFormattedError[];
  extensions?: { live?: { cursor?: string } };
};

/**
 * A chat subscription the way a client app keeps one: it remembers the cursor of each result in
 * the subscribe payload, which graphql-ws sends again as it is whenever it reconnects.
 */
function watch(
  url: string,
  user: Member,
  conversationId: string,
  options: { resumeFrom?: string; reconnect?: boolean } = {},
) {
  const client: Client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${user.token}` },
    lazy: true,
    ...(options.reconnect
      ? {
          retryAttempts: Infinity,
          shouldRetry: () => true,
          retryWait: () => new Promise<void>((resolve) => setTimeout(resolve, 100)),
        }
      : { retryAttempts: 0 }),
  });
  const payload = {
    query: print(ChatEventsDocument),
    variables: { conversationId },
    extensions: { live: { resumeFrom: options.resumeFrom } },
  };
  const seen = { results: [] as Result[], errors: null as readonly GraphQLFormattedError[] | null };
  client.subscribe<ChatEventsSubscription>(payload, {
    next: (result) => {
      seen.results.push(result as Result);
      payload.extensions.live.resumeFrom = (result as Result).extensions?.live?.cursor;
    },
    error: (error) => {
      seen.errors = Array.isArray(error) ? error : [{ message: String(error) }];
    },
    complete: () => {},
  });
  return {
    results: seen.results,
    get errors() {
      return seen.errors;
    },
    bodies: () => seen.results.map((r) => r.data?.chatEvent!.message?.body),
    cursor: () => payload.extensions.live.resumeFrom,
    stop: () => client.dispose(),
  };
}

async function conversation() {
  const [ada, bob] = await Promise.all([member(t, 'resume'), member(t, 'resume')]);
  const { id } = await waitFor(
    'a conversation',
    async () =>
      (await request(t.url, OpenDirectConversationDocument, { userId: bob.id }, { token: ada.token })).data
        ?.openDirectConversation,
  );
  const send = async (body: string) =>
    void (await ok(t.url, SendMessageDocument, { input: { conversationId: id, body } }, ada.token));
  return { ada, bob, id, send };
}

/**
 * Sends hellos until the subscription hears the last one sent: then it is listening, and later messages all reach it.
 */
async function listening(watcher: ReturnType<typeof watch>, send: (body: string) => Promise<void>) {
  let last = '';
  await waitFor('the subscription to hear a message', async () => {
    if (last && watcher.bodies().includes(last)) return true;
    last = `hello ${Math.random()}`;
    await send(last);
    return false;
  });
}

const numbered = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}`);
const after = (bodies: (string | null | undefined)[], first: string) => bodies.slice(bodies.indexOf(first));

describe('several gateway replicas', () => {
  it('each deliver every event once to their own subscribers, and a cursor from one resumes on the other', async () => {
    const { ada, bob, id, send } = await conversation();
    const bobOnA = watch(gatewayA.url, bob, id);
    const bobOnB = watch(gatewayB.url, bob, id);
    const adaOnB = watch(gatewayB.url, ada, id);
    for (const watcher of [bobOnA, bobOnB, adaOnB]) await listening(watcher, send);

    const sent = numbered('both', 5);
    for (const body of sent) await send(body);
    for (const watcher of [bobOnA, bobOnB, adaOnB]) {
      await waitFor('every message', () => watcher.bodies().includes('both 5'));
      expect(after(watcher.bodies(), 'both 1')).toEqual(sent);
      expect(watcher.results.every((r) => typeof r.extensions?.live?.cursor === 'string')).toBe(true);
    }

    // Bob's connection to A drops; the load balancer sends him to B when he comes back.
    await bobOnA.stop();
    const missed = numbered('missed', 3);
    for (const body of missed) await send(body);
    await waitFor('B to have them', () => bobOnB.bodies().includes('missed 3'));
    const resumed = watch(gatewayB.url, bob, id, { resumeFrom: bobOnA.cursor() });
    await waitFor('what bob missed', () => resumed.bodies().includes('missed 3'));
    await send('live again');
    await waitFor('the next live message', () => resumed.bodies().includes('live again'));
    expect(resumed.bodies()).toEqual([...missed, 'live again']);
    for (const watcher of [bobOnB, adaOnB, resumed]) await watcher.stop();
  }, 60_000);
});

describe('resuming after a gateway restart', () => {
  it('gives a client that comes back with its last cursor every message once, in order', async () => {
    const { bob, id, send } = await conversation();
    const bobOnA = watch(gatewayA.url, bob, id, { reconnect: true });
    await listening(bobOnA, send);

    const sent = numbered('msg', 30);
    for (const body of sent.slice(0, 10)) await send(body);
    await gatewayA.kill();
    const restarted = gatewayA.restart();
    for (const body of sent.slice(10, 20)) await send(body);
    await restarted;
    for (const body of sent.slice(20)) await send(body);

    await waitFor('every message', () => bobOnA.bodies().includes('msg 30') || bobOnA.errors, 60_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}; got ${JSON.stringify(bobOnA.bodies())}`);
      },
    );
    expect(bobOnA.errors).toBeNull();
    expect(after(bobOnA.bodies(), 'msg 1')).toEqual(sent);
    await bobOnA.stop();
  }, 120_000);
});

describe('resuming within a window', () => {
  it('refuses a cursor that missed events too old or too many, and one it did not send', async () => {
    const { bob, id, send } = await conversation();
    const plain = watch(t.url, bob, id);
    const witness = watch(t.url, bob, id);
    // Plain hears the last hello: nothing is stored after its cursor yet.
    await listening(witness, send);
    await listening(plain, send);
    await plain.stop();
    const cursor = plain.cursor()!;
    expect(cursor).toEqual(expect.any(String));

    // Nothing missed: resuming is just listening. On a gateway with the default window, since under
    // load this one's 1 ms could pass between its listening and its read of what was stored.
    const caughtUp = watch(gatewayA.url, bob, id, { resumeFrom: cursor });
    // Sent before or after it listens, 'one' reaches it once: replayed or live.
    await send('one');
    await waitFor('the resumed subscription to have it', () => caughtUp.bodies().includes('one') || caughtUp.errors);
    expect(caughtUp.errors).toBeNull();
    expect(caughtUp.bodies()).toEqual(['one']);
    await waitFor('the witness to have it', () => witness.bodies().includes('one'));
    await caughtUp.stop();

    // Missed one, older than this gateway's 1 ms window.
    const late = watch(t.url, bob, id, { resumeFrom: cursor });
    await waitFor('the refusal', () => late.errors);
    expect(late.errors?.[0]?.extensions).toMatchObject({ code: 'RESUME_WINDOW_EXCEEDED', reason: 'age' });

    // Missed three, over this gateway's 2.
    for (const body of ['two', 'three']) await send(body);
    await waitFor('the witness to have them', () => witness.bodies().includes('three'));
    const behind = watch(t.url, bob, id, { resumeFrom: cursor });
    await waitFor('the refusal', () => behind.errors);
    expect(behind.errors?.[0]?.extensions).toMatchObject({ code: 'RESUME_WINDOW_EXCEEDED', reason: 'count' });

    for (const forged of [
      'not a cursor',
      Buffer.from('["x"]').toString('base64url'),
      Buffer.from('[5, 3]').toString('base64url'),
    ]) {
      const bad = watch(t.url, bob, id, { resumeFrom: forged });
      await waitFor('the refusal', () => bad.errors);
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    await witness.stop();
  }, 60_000);
});
