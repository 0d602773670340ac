import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * LiveKit's server API as the SDK calls it, on a local port: Twirp over HTTP, `POST
 * /twirp/livekit.RoomService/<Method>` with a JSON body (the SDK sends `application/json`) and a Bearer
 * JWT signed with the API secret, whose `video` grant must allow the call. Answers in JSON as LiveKit
 * does, errors in Twirp's `{ code, msg }`. Rooms hold the participants a test connects; every call is
 * recorded with the grant it carried. JWTs are checked here with node:crypto, not the SDK, so a test
 * fails if the SDK's tokens are wrong.
 */

export interface FakeTrack {
  sid: string;
  type: 'AUDIO' | 'VIDEO';
  source: 'CAMERA' | 'MICROPHONE' | 'SCREEN_SHARE' | 'SCREEN_SHARE_AUDIO' | 'UNKNOWN';
  muted: boolean;
}

export interface FakeParticipant {
  sid: string;
  identity: string;
  state: 'ACTIVE';
  tracks: FakeTrack[];
  permission?: Record<string, unknown>;
}

export interface RecordedCall {
  method: string;
  body: Record<string, unknown>;
  grant: Record<string, unknown>;
}

export interface JwtClaims {
  iss?: string;
  sub?: string;
  exp?: number;
  nbf?: number;
  video?: Record<string, unknown>;
  sha256?: string;
  [claim: string]: unknown;
}

/** An HS256 JWT's claims if `secret` signed it for `apiKey` and it has not expired; throws otherwise. */
export function verifyJwt(token: string, apiKey: string, secret: string): JwtClaims {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) throw new Error('not a JWT');
  if (JSON.parse(Buffer.from(header, 'base64url').toString()).alg !== 'HS256') throw new Error('not HS256');
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error('bad signature');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as JwtClaims;
  if (claims.iss !== apiKey) throw new Error(`issued by ${claims.iss}, not ${apiKey}`);
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) throw new Error('expired');
  return claims;
}

/** Signs as LiveKit signs its webhook deliveries: HS256, `iss` the API key, `sha256` the body's base64 SHA-256. */
export function signWebhook(body: string, apiKey: string, secret: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const sha256 = createHash('sha256').update(body).digest('base64');
  const claims = { iss: apiKey, nbf: now, exp: now + 300, sha256 };
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** Which grant each method needs, as LiveKit's server checks them. */
const NEEDS_ROOM_ADMIN = new Set([
  'ListParticipants',
  'GetParticipant',
  'RemoveParticipant',
  'MutePublishedTrack',
  'UpdateParticipant',
]);

export class FakeLiveKit {
  readonly calls: RecordedCall[] = [];
  readonly rooms = new Map<string, Map<string, FakeParticipant>>();
  /** `ok` answers; `down` answers 503; `slow` never answers (until stopped); `elsewhere` is not LiveKit. */
  mode: 'ok' | 'down' | 'slow' | 'elsewhere' = 'ok';
  private server: Server | undefined;
  private nextSid = 1;
  private port = 0;

  constructor(
    readonly apiKey = 'APIfake',
    readonly apiSecret = 'fake-secret-at-least-32-characters-long',
  ) {}

  async start(): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A client connected to `room` as `identity`, publishing `tracks` (as LiveKit would record it). */
  connect(room: string, identity: string, tracks: Omit<FakeTrack, 'sid'>[] = []): FakeParticipant {
    const participant: FakeParticipant = {
      sid: `PA_${this.nextSid++}`,
      identity,
      state: 'ACTIVE',
      tracks: tracks.map((track) => ({ ...track, sid: `TR_${this.nextSid++}` })),
    };
    if (!this.rooms.has(room)) this.rooms.set(room, new Map());
    this.rooms.get(room)?.set(identity, participant);
    return participant;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.mode === 'slow') return;
    if (this.mode === 'down') return twirpError(res, 503, 'unavailable', 'LiveKit is down');
    if (this.mode === 'elsewhere') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
    const match = /^\/twirp\/livekit\.RoomService\/(\w+)$/.exec(req.url ?? '');
    if (req.method !== 'POST' || !match?.[1]) return twirpError(res, 404, 'bad_route', `no route ${req.url}`);
    const method = match[1];
    if (!req.headers['content-type']?.startsWith('application/json'))
      return twirpError(res, 415, 'malformed', 'expected JSON');
    let claims: JwtClaims;
    try {
      claims = verifyJwt((req.headers.authorization ?? '').replace(/^Bearer /, ''), this.apiKey, this.apiSecret);
    } catch (error) {
      return twirpError(res, 401, 'unauthenticated', String(error));
    }
    const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as Record<string, unknown>;
    const grant = claims.video ?? {};
    this.calls.push({ method, body, grant });
    const roomName = String(body.room ?? '');
    if (NEEDS_ROOM_ADMIN.has(method) && (grant.roomAdmin !== true || grant.room !== roomName))
      return twirpError(res, 403, 'permission_denied', 'needs roomAdmin for this room');
    if (method === 'DeleteRoom' && grant.roomCreate !== true)
      return twirpError(res, 403, 'permission_denied', 'needs roomCreate');
    const room = this.rooms.get(roomName);
    const participant = room?.get(String(body.identity ?? ''));
    switch (method) {
      case 'DeleteRoom':
        if (!room) return twirpError(res, 404, 'not_found', 'room not found');
        this.rooms.delete(roomName);
        return json(res, {});
      case 'ListParticipants':
        return json(res, { participants: [...(room?.values() ?? [])] });
      case 'GetParticipant':
        return participant ? json(res, participant) : twirpError(res, 404, 'not_found', 'participant not found');
      case 'RemoveParticipant':
        if (!participant) return twirpError(res, 404, 'not_found', 'participant not found');
        room?.delete(participant.identity);
        return json(res, {});
      case 'UpdateParticipant':
        if (!participant) return twirpError(res, 404, 'not_found', 'participant not found');
        participant.permission = body.permission as Record<string, unknown>;
        // As LiveKit does: a permission that no longer allows publishing unpublishes what was sent.
        if (participant.permission?.canPublish !== true) participant.tracks = [];
        return json(res, participant);
      case 'MutePublishedTrack': {
        const track = participant?.tracks.find((t) => t.sid === body.trackSid);
        if (!track) return twirpError(res, 404, 'not_found', 'track not found');
        track.muted = body.muted === true;
        return json(res, { track });
      }
      default:
        return twirpError(res, 404, 'bad_route', `no method ${method}`);
    }
  }
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function twirpError(res: ServerResponse, status: number, code: string, msg: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code, msg }));
}
