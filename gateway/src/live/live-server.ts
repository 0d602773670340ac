import type { IncomingMessage, Server } from 'node:http';
import {
  GraphQLError,
  Kind,
  getOperationAST,
  parse,
  print,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type FormattedExecutionResult,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import type { Context } from 'graphql-ws';
import { useServer, type Extra } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientInfo, Viewer } from '@peerlink/platform/auth/viewer';
import type { DomainEvent, EventBus, LiveHandler, Unsubscribe } from '@peerlink/platform/events/event-bus';
import { uuidv7 } from '@peerlink/platform/ids';
import { contextFrom, tracer } from '@peerlink/platform/tracing';
import { context, type Span, trace } from '@opentelemetry/api';
import type { Logger } from '@peerlink/platform/logger';
import type { GatewayContext } from '../context.js';
import { selectsOnlyViewerIndependent, type LiveField, type ViewerIndependentMarks } from './live-fields.js';
import { Channel, type DropReason } from './channel.js';
import { EventCosts } from './event-costs.js';
import { InlineAnswers } from './inline-answers.js';
import { SharedLookups } from './shared-lookups.js';
import { lookupUnavailable } from './lookup-batcher.js';
import { SubscriptionCaps } from './subscription-caps.js';
import { LIVE_ID_VARIABLE, toLookupQuery } from './live-query.js';
import { planSubscription, type SubscriptionPlan } from './subscription-plan.js';
import { MissedEvents, readResumeFrom, SubscriptionPositions, type Cursor, type ResumeSettings } from './resume.js';
import { errorsWithoutSuggestions } from '../suggestions.js';
import { costRefusal } from '../query-cost.js';

export interface LiveSchema {
  apiSchema: GraphQLSchema;
  liveFields: Map<string, LiveField>;
  viewerIndependent: ViewerIndependentMarks;
}

export interface LiveServerOptions {
  httpServer: Server;
  path: string;
  bus: EventBus;
  logger: Logger;
  schema: () => LiveSchema | null;
  validationRules: ValidationRule[];
  maxTokens: number;
  /** The cost limit queries over HTTP have (query-cost.ts); 0: none. */
  maxCost: number;
  /** Strip graphql-js's "Did you mean …?" hints from errors (introspection is off). */
  hideSuggestions?: boolean;
  maxSubscriptionsPerConnection: number;
  /** Live subscriptions one user may hold across all their connections. */
  maxSubscriptionsPerUser: number;
  /** Live subscriptions one client address may hold, whoever is signed in. */
  maxSubscriptionsPerAddress: number;
  /** Open sockets one client address may hold; more are refused at the handshake. */
  maxConnectionsPerAddress: number;
  /** The client's address, by the same proxy rules as HTTP requests. */
  clientAddress(request: IncomingMessage): string;
  /** The origin the client connected to, by the same proxy rules. */
  clientOrigin(request: IncomingMessage): string | undefined;
  /** Whether a page on another origin may open a socket: the HTTP CORS allow-list. */
  originAllowed(origin: string): boolean;
  /** Results a subscription holds for a client that is not reading before it is ended (EVENTS_DROPPED). */
  queueSize: number;
  /** How long a subscriber with more than `queueSize` events waiting may go without reading before it is ended. */
  stallMs: number;
  /** Verifies a bearer token: a viewer (with the token's roles), or null when it is invalid or expired. */
  authenticate(token: string): Promise<{ viewer: Viewer; expiresAt: Date } | null>;
  /**
   * The token's viewer with its account's roles as they are now: read when the socket opens and for each operation on
   * it.
   */
  currentRoles(tokenViewer: Viewer): Promise<Viewer>;
  /** Runs an operation through the gateway's normal federated path. */
  execute(
    query: string,
    variables: Record<string, unknown> | undefined,
    operationName: string | undefined,
    context: GatewayContext,
  ): Promise<FormattedExecutionResult>;
  rateLimit(clientKey: string): Promise<number>;
  metrics?: LiveMetrics;
  /** How much a resuming subscriber may have missed; unset, the configuration's defaults. */
  resume?: ResumeSettings;
}

/** What the live path reports (Prometheus in the gateway). */
export interface LiveMetrics {
  subscriptions(delta: number): void;
  /**
   * Each event a subscriber receives: resolved by its own lookup, by one shared with others, or from the event itself.
   */
  delivered(resolved: Resolved['resolved']): void;
  /** One subscriber's payload for an event is ready, `seconds` after the event reached the gateway. */
  resolved(seconds: number): void;
  /** Every subscriber that queued an event is done with it, at the cost of `lookups` lookups. */
  eventDone(lookups: number): void;
  /** Events a subscriber lost, and why; the subscription ended with EVENTS_DROPPED. */
  dropped(reason: DropReason, events: number): void;
}

type ConnectionParams = Record<string, unknown> | undefined;

interface Connection {
  /** As the access token says, roles included: `viewer` is read afresh from it. */
  tokenViewer: Viewer | null;
  viewer: Viewer | null;
  address: string;
  client: ClientInfo;
  subscriptions: number;
  expiryTimer?: NodeJS.Timeout;
}

/** Errors that mean "this event is not for you": the subscriber simply does not see the event. */
const INVISIBLE = new Set(['NOT_FOUND', 'FORBIDDEN', 'UNAUTHENTICATED']);

const isInvisible = (result: FormattedExecutionResult, alias: string) =>
  result.data?.[alias] == null && !!result.errors?.every((e) => INVISIBLE.has(String(e.extensions?.code)));

/** How long a shared result waits for subscribers that queued its event and then left. */
const SHARED_RESULT_TTL_MS = 60_000;
/**
 * Lookups one subscription runs at once: a burst clears in a fraction of the time, and one subscriber cannot flood the
 * subgraphs.
 */
const RESOLVE_CONCURRENCY = 4;
/** Events one subscription may have waiting for lookups: only a gateway far behind its subgraphs gets near it. */
const MAX_PENDING_EVENTS = 10_000;

/**
 * GraphQL subscriptions over graphql-ws, served by the gateway because Apollo Gateway cannot.
 * A `@live` field names the event that triggers it; for each event the gateway runs the field's
 * lookup query with the subscriber's identity, so the payload can span subgraphs and passes the
 * same authorization as any query. All clients on one event subject share one broker subscription.
 */
export class LiveServer {
  private readonly topics = new Map<
    string,
    { everyone: Set<Listener>; byAudience: Map<string, Map<unknown, Set<Listener>>>; stop: Promise<Unsubscribe> }
  >();
  private readonly connections = new WeakMap<object, Connection>();
  /** Each signed-in user's open sockets, for closing them when their roles are revoked. */
  private readonly socketsByUser = new Map<string, Set<WebSocket>>();
  private readonly perUser = new Map<string, number>();
  private readonly perAddress = new Map<string, number>();
  private readonly shared = new SharedLookups<FormattedExecutionResult>(SHARED_RESULT_TTL_MS);
  private readonly caps: SubscriptionCaps;
  private readonly costs: EventCosts;
  private readonly missed: MissedEvents;
  private readonly wss: WebSocketServer;
  private readonly dispose: () => Promise<void>;

  constructor(private readonly options: LiveServerOptions) {
    this.caps = new SubscriptionCaps(options.maxSubscriptionsPerUser, options.maxSubscriptionsPerAddress);
    this.costs = new EventCosts((lookups) => options.metrics?.eventDone(lookups));
    this.missed = new MissedEvents(
      options.bus,
      options.resume ?? { windowMs: 300_000, maxEvents: 1000 },
      options.logger,
    );
    this.wss = new WebSocketServer({
      server: options.httpServer,
      path: options.path,
      maxPayload: 1_000_000,
      verifyClient: (
        { req, origin }: { req: IncomingMessage; origin?: string },
        done: (ok: boolean, code?: number) => void,
      ) => {
        // Browsers apply no CORS to WebSockets but always send Origin: a page from an origin the
        // HTTP API does not let in is refused here too. Other clients send none (React Native
        // sends the socket's own origin, which is the same host).
        if (origin && !sameHost(origin, req) && !options.originAllowed(origin)) return done(false, 403);
        // One address cannot hold the server's sockets hostage.
        done((this.perAddress.get(options.clientAddress(req)) ?? 0) < options.maxConnectionsPerAddress);
      },
    });
    this.wss.on('connection', (socket, request) => {
      const address = options.clientAddress(request);
      this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
      socket.once('close', () => {
        const left = (this.perAddress.get(address) ?? 1) - 1;
        if (left > 0) this.perAddress.set(address, left);
        else this.perAddress.delete(address);
      });
    });
    const serverCleanup = useServer<ConnectionParams>(
      {
        onConnect: (ctx) => this.connect(ctx),
        onSubscribe: async (ctx, _id, payload) => {
          const prepared = await this.prepare(ctx, payload);
          return Array.isArray(prepared) && this.options.hideSuggestions
            ? errorsWithoutSuggestions(prepared)
            : prepared;
        },
        execute: (args) => this.executeOnce(args),
        subscribe: (args) => this.subscribe(args),
        // Results come formatted from the gateway's pipeline (plain errors, no toJSON), and
        // graphql-ws would call toJSON on each error: send them as they are, or one coded error
        // would close the socket with 4500 and every subscription on it.
        onNext: (_ctx, _id, _payload, _args, result) => result,
        onClose: (ctx) => clearTimeout(this.connections.get(ctx.extra)?.expiryTimer),
      },
      this.wss,
    );
    this.dispose = async () => void (await serverCleanup.dispose());
  }

  /**
   * Closes every socket `userId` has open here, with `code`: a live subscription authorized with a
   * role since revoked must not carry on. Clients reconnect with the roles they hold now.
   */
  closeConnectionsOf(userId: string, code: number, reason: string): number {
    const sockets = [...(this.socketsByUser.get(userId) ?? [])];
    for (const socket of sockets) socket.close(code, reason);
    return sockets.length;
  }

  /** Live subscriptions a user holds right now, across all their connections. */
  subscriptionsOf(userId: string): number {
    return this.perUser.get(userId) ?? 0;
  }

  /** Live subscriptions held from one client address, started or being started. */
  subscriptionsFrom(address: string): number {
    return this.caps.heldFrom(address);
  }

  async close() {
    // Closes every socket (1001 Going away) and the WebSocket server.
    await this.dispose();
    await Promise.all(
      [...this.topics.values()].map((topic) =>
        topic.stop.then(
          (stop) => stop(),
          () => undefined,
        ),
      ),
    );
    this.topics.clear();
    this.shared.clear();
  }

  /** A token is optional, but a bad one closes the connection (4403) rather than being ignored. */
  private async connect(ctx: Context<ConnectionParams, Extra>) {
    const extra = ctx.extra;
    const address = this.options.clientAddress(extra.request);
    const connection: Connection = {
      tokenViewer: null,
      viewer: null,
      address,
      client: {
        ip: address,
        userAgent: extra.request.headers['user-agent']?.slice(0, 256),
        origin: this.options.clientOrigin(extra.request),
      },
      subscriptions: 0,
    };
    const authorization = ctx.connectionParams?.authorization;
    if (authorization !== undefined && authorization !== null && typeof authorization !== 'string') {
      // A client's mistake, not a refused token: 4400 says so (graphql-ws's own code for a bad message).
      extra.socket.close(4400, 'Bad request: authorization is a string, "Bearer <token>"');
      return false;
    }
    if (typeof authorization === 'string' && authorization !== '') {
      const token = /^Bearer\s+(.+)$/i.exec(authorization.trim())?.[1];
      const verified = token ? await this.options.authenticate(token) : null;
      if (!verified) return false;
      connection.tokenViewer = verified.viewer;
      connection.viewer = await this.options.currentRoles(verified.viewer);
      this.trackSocket(verified.viewer.userId, extra.socket);
      // A socket must not outlive its token; the client reconnects with a fresh one.
      const remaining = Math.min(verified.expiresAt.getTime() - Date.now(), 2 ** 31 - 1);
      connection.expiryTimer = setTimeout(() => extra.socket.close(4403, 'Forbidden: token expired'), remaining);
      connection.expiryTimer.unref();
    }
    this.connections.set(ctx.extra, connection);
    return true;
  }

  private trackSocket(userId: string, socket: WebSocket) {
    const sockets = this.socketsByUser.get(userId) ?? new Set<WebSocket>();
    this.socketsByUser.set(userId, sockets);
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (!sockets.size && this.socketsByUser.get(userId) === sockets) this.socketsByUser.delete(userId);
    });
  }

  private async prepare(
    ctx: Context<ConnectionParams, Extra>,
    payload: {
      query: string;
      variables?: Record<string, unknown> | null;
      operationName?: string | null;
      extensions?: Record<string, unknown> | null;
    },
  ): Promise<ExecutionArgs | readonly GraphQLError[]> {
    const connection = this.connections.get(ctx.extra)!;
    // Roles as they are now, not as they were when the socket opened, read beside the rate limit;
    // counted before any parsing, so invalid operations spend the budget too.
    const { tokenViewer } = connection;
    const [viewer, retryAfter] = await Promise.all([
      tokenViewer ? this.options.currentRoles(tokenViewer) : connection.viewer,
      this.options.rateLimit(tokenViewer?.userId ?? `ip:${connection.client.ip}`),
    ]);
    connection.viewer = viewer;
    if (retryAfter) return [codedError('Too many requests; slow down.', 'RATE_LIMITED')];
    const schema = this.options.schema();
    if (!schema) return [codedError('The gateway is starting; try again shortly.', 'SERVICE_UNAVAILABLE')];
    let document: DocumentNode;
    try {
      document = parse(payload.query, { maxTokens: this.options.maxTokens });
    } catch (error) {
      return [codedError((error as Error).message, 'GRAPHQL_PARSE_FAILED')];
    }
    const errors = validate(schema.apiSchema, document, [...specifiedRules, ...this.options.validationRules]);
    if (errors.length) return errors.map((e) => codedError(e.message, 'GRAPHQL_VALIDATION_FAILED'));
    const operation = getOperationAST(document, payload.operationName);
    if (!operation) return [codedError('Name the operation to run.', 'BAD_USER_INPUT')];
    const tooCostly = costRefusal(schema.apiSchema, document, operation, payload.variables, this.options.maxCost);
    if (tooCostly) return [tooCostly];

    let subscription: SubscriptionPlan | undefined;
    let resumeFrom: Cursor | null = null;
    if (operation.operation === 'subscription') {
      const cursor = readResumeFrom(payload.extensions);
      if (cursor instanceof GraphQLError) return [cursor];
      resumeFrom = cursor;
      const root = operation.selectionSet.selections[0];
      if (root?.kind !== Kind.FIELD)
        return [codedError('Select the subscription field directly, not through a fragment.', 'BAD_USER_INPUT')];
      const live = schema.liveFields.get(root.name.value);
      if (!live)
        return [codedError(`Subscription ${root.name.value} is not served by this gateway.`, 'BAD_USER_INPUT')];
      // Even fields with no audience (a public post's activity): each subscription costs a lookup
      // per event, so it must count against someone's cap.
      if (!connection.viewer) return [codedError('Sign in to subscribe.', 'UNAUTHENTICATED')];
      try {
        const planned = planSubscription(schema.apiSchema, live, document, operation, payload.variables ?? {});
        if (Array.isArray(planned)) return planned;
        subscription = planned;
      } catch (error) {
        // The subgraph's @live(current:) names a query the schema does not have: its bug, not the client's.
        this.options.logger.error({ err: error, field: live.field }, 'cannot read the current state');
        return [codedError(`${live.field} cannot send its current state now.`, 'INTERNAL_SERVER_ERROR')];
      }
      if (connection.subscriptions >= this.options.maxSubscriptionsPerConnection) {
        return [
          codedError(
            `At most ${this.options.maxSubscriptionsPerConnection} subscriptions per connection.`,
            'TOO_MANY_SUBSCRIPTIONS',
          ),
        ];
      }
      // Counted now, not when it starts: several subscribe messages can arrive at once.
      const refused = this.caps.take(connection.viewer.userId, connection.address);
      if (refused) return [codedError(refused, 'TOO_MANY_SUBSCRIPTIONS')];
      connection.subscriptions += 1;
    }
    const contextValue: GatewayContext = { viewer: connection.viewer, client: connection.client, requestId: uuidv7() };
    return {
      schema: schema.apiSchema,
      document,
      operationName: payload.operationName ?? undefined,
      variableValues: payload.variables ?? undefined,
      contextValue: { gateway: contextValue, connection, subscription, resumeFrom },
    };
  }

  /** Queries and mutations sent over the socket take the same path as HTTP ones. */
  private async executeOnce(args: ExecutionArgs): Promise<ExecutionResult> {
    const { gateway } = args.contextValue as { gateway: GatewayContext };
    return (await this.options.execute(
      print(args.document),
      args.variableValues ?? undefined,
      args.operationName ?? undefined,
      gateway,
    )) as ExecutionResult;
  }

  private async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult>> {
    const { gateway, connection, subscription, resumeFrom } = args.contextValue as {
      gateway: GatewayContext;
      connection: Connection;
      subscription: SubscriptionPlan;
      resumeFrom: Cursor | null;
    };
    const { execute, metrics } = this.options;
    const shared = this.shared;
    const costs = this.costs;
    let started = false;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      connection.subscriptions -= 1;
      this.caps.release(connection.viewer!.userId, connection.address);
      if (started) this.track(connection, -1);
    };
    let stopListening = () => {};
    let resolveEvent: (event: DomainEvent) => Promise<Resolved | null> = async () => null;
    let shareKey: string | null = null;
    let inline: InlineAnswers | null = null;
    let liveKey = 'id';
    let positions = SubscriptionPositions.after(null);
    let replay: Promise<void> | null = null;
    const shareOf = (event: DomainEvent) => `${event.id}\n${shareKey}`;
    const channel = new Channel<DomainEvent, Resolved>({
      resolve: (event) => resolveEvent(event),
      // The lookup reads the keyed object as it is now: two events of one key get the same answer.
      // An event answered from its own payload is a moment of its own (a streamed token): never replaced.
      keyOf: (event) =>
        inline?.carriedBy(event) ? `inline:${event.id}` : String((event.payload as Record<string, unknown>)[liveKey]),
      concurrency: RESOLVE_CONCURRENCY,
      maxUnread: this.options.queueSize,
      stallMs: this.options.stallMs,
      maxPending: MAX_PENDING_EVENTS,
      onClose: () => {
        stopListening();
        end();
      },
      onDrop: (reason, events) => {
        metrics?.dropped(reason, events);
        this.options.logger.warn({ userId: connection.viewer?.userId, reason, events }, 'live events dropped');
        return dropError(reason, events);
      },
      onSettled: (event, lookupStarted, resolvedAfterMs) => {
        if (resolvedAfterMs === null) positions.settle(event);
        if (shareKey && !lookupStarted) shared.release(shareOf(event));
        if (resolvedAfterMs !== null) metrics?.resolved(resolvedAfterMs / 1000);
        costs.released(event.id);
      },
    });
    let prepared;
    try {
      // prepare() checked all of this against the schema of that moment; a hot reload since then
      // may have removed the field, which ends up here as an error rather than a crash.
      const schema = this.options.schema()!;
      const operation = getOperationAST(args.document, args.operationName)!;
      const root = operation.selectionSet.selections[0] as FieldNode;
      const live = schema.liveFields.get(root.name.value);
      const fieldDef = schema.apiSchema.getSubscriptionType()?.getFields()[root.name.value];
      if (!live || !fieldDef)
        throw codedError(`Subscription ${root.name.value} is no longer served.`, 'BAD_USER_INPUT');
      const { filters } = subscription;
      liveKey = live.key;
      const query = toLookupQuery(args.document, operation, live.lookup);
      const variables = { ...(args.variableValues ?? {}) };
      // Recipients the event names may all see it, and nothing selected differs between them:
      // one lookup serves every subscriber with this same query.
      shareKey =
        live.audienceMaySee && selectsOnlyViewerIndependent(schema.apiSchema, parse(query), schema.viewerIndependent)
          ? [connection.client.origin ?? '', operation.name?.value ?? '', query, JSON.stringify(variables)].join('\n')
          : null;
      inline = InlineAnswers.for(schema.apiSchema, query, live, schema.viewerIndependent);
      prepared = { live, operation, query, alias: root.alias?.value ?? root.name.value, variables };
      const route = live.audience ? { field: live.audience, userId: connection.viewer!.userId } : null;
      const feed = (event: DomainEvent) => {
        if (!matches(event, live, filters, connection.viewer)) return;
        // Held before the push, which may start the lookup at once.
        costs.held(event.id);
        if (shareKey) shared.expect(shareOf(event));
        if (channel.push(event).status !== 'refused') return positions.queued(event);
        costs.released(event.id, false);
        if (shareKey) shared.release(shareOf(event));
      };
      // Set before the listener starts: an event heard at once must be looked up, not dropped unsettled.
      const alias = prepared.alias;
      const operationName = operation.name?.value;
      resolveEvent = async (event) => {
        // The last hop of the change that caused the event: from here to this subscriber's delivery, lookup included.
        const caused = contextFrom(event.traceContext);
        const span = tracer().startSpan(
          `${live.field} deliver`,
          { attributes: { 'graphql.field': live.field, 'messaging.message.id': event.id } },
          caused,
        );
        const answered = inline?.answer(event, { ...variables, [LIVE_ID_VARIABLE]: event.payload[live.key] });
        if (answered) {
          if (shareKey) shared.release(shareOf(event));
          return { result: answered, resolved: 'inline', event, span };
        }
        const lookUp = () => {
          costs.lookedUp(event.id);
          return context.with(trace.setSpan(caused, span), () =>
            execute(query, { ...variables, [LIVE_ID_VARIABLE]: event.payload[live.key] }, operationName, {
              ...gateway,
              requestId: event.requestId ?? uuidv7(),
              startedAt: performance.now(),
              live: true,
            }).catch((error: unknown) => {
              // The event arrives with a coded error to retry by; the subscription and its socket live on.
              this.options.logger.error({ err: error, field: live.field }, 'live lookup failed');
              return lookupUnavailable(alias);
            }),
          );
        };
        let result: FormattedExecutionResult;
        let resolved: Resolved['resolved'] = 'own';
        if (shareKey) {
          const share = shared.take(shareOf(event), lookUp);
          result = await share.result;
          // Whoever resolved it may have lost access since the event was committed; that says
          // nothing about this subscriber, who then asks for itself.
          if (!share.resolvedHere && isInvisible(result, alias)) result = await lookUp();
          else if (!share.resolvedHere) resolved = 'shared';
        } else {
          result = await lookUp();
        }
        if (!isInvisible(result, alias)) return { result, resolved, event, span };
        positions.settle(event);
        span.setAttribute('peerlink.live.outcome', 'not visible to the subscriber');
        span.end();
        return null;
      };
      // The current state is read after the listener starts: events stored since `head` are after it.
      positions = resumeFrom
        ? SubscriptionPositions.resuming(resumeFrom)
        : SubscriptionPositions.after(subscription.current ? await this.options.bus.head() : null);
      stopListening = await this.listen(live.subject, route, positions.gate(feed));
      if (resumeFrom) {
        replay = positions.replay(
          this.missed.read(live.subject, resumeFrom.through, performance.now(), (event) =>
            matches(event, live, filters, connection.viewer),
          ),
          feed,
        );
        // Awaited by the first next(); this keeps a failure meanwhile from counting as unhandled.
        replay.catch(() => {});
      }
    } catch (error) {
      await channel.return();
      throw error;
    }
    const { operation, alias, variables } = prepared;
    started = true;
    this.track(connection, +1);
    const operationName = operation.name?.value;
    // Read only now that the listener is registered: whatever commits after this read reaches the
    // channel, so nothing falls between the state sent first and the events after it.
    // A resumed subscription gets what it missed instead.
    let initial: Promise<FormattedExecutionResult> | null =
      subscription.current && !resumeFrom
        ? execute(subscription.current.query, { ...variables, ...subscription.current.variables }, operationName, {
            ...gateway,
            requestId: uuidv7(),
            startedAt: performance.now(),
          })
        : null;
    // Awaited by the first next(); this keeps a failure meanwhile from counting as unhandled.
    initial?.catch(() => {});

    // A hand-written iterator rather than an async generator: a generator suspended while awaiting
    // the next event would not run its cleanup until an event arrived, so return() must be ours.
    const results: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        try {
          if (replay) {
            const replayed = replay;
            replay = null;
            await replayed;
          }
          if (initial) {
            const result = await initial;
            initial = null;
            if (ended) return { value: undefined, done: true };
            // Authorized like any query: an object the viewer may not see ends the subscription with the query's own
            // error.
            if (result.data?.[alias] == null) throw refusal(result);
            return { value: withCursor(result, positions.cursor()), done: false };
          }
          const item = await channel.next();
          if (item.done) return { value: undefined, done: true };
          metrics?.delivered(item.value.resolved);
          item.value.span.end();
          positions.settle(item.value.event);
          return { value: withCursor(item.value.result, positions.cursor()), done: false };
        } catch (error) {
          await channel.return();
          throw error;
        }
      },
      async return() {
        await channel.return();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return results;
  }

  /** Per-user counts and the metric; the connection's own count is kept by prepare() and the iterator. */
  private track(connection: Connection, delta: number) {
    const userId = connection.viewer?.userId;
    if (userId) {
      const count = (this.perUser.get(userId) ?? 0) + delta;
      if (count > 0) this.perUser.set(userId, count);
      else this.perUser.delete(userId);
    }
    this.options.metrics?.subscriptions(delta);
  }

  /**
   * One broker subscription per subject, shared by every subscriber on it. Subscribers of a field
   * with an audience are indexed by user, so an event reaches only its recipients' listeners: a
   * burst of N events for N users costs N deliveries, not N × N checks.
   */
  private async listen(subject: string, route: Route, listener: Listener): Promise<() => void> {
    let topic = this.topics.get(subject);
    if (!topic) {
      const everyone = new Set<Listener>();
      const byAudience = new Map<string, Map<unknown, Set<Listener>>>();
      const stop = this.options.bus.listen(subject, (event, position) => {
        const payload = event.payload as Record<string, unknown>;
        for (const l of everyone) l(event, position);
        for (const [field, byUser] of byAudience) {
          for (const userId of audienceOf(payload[field])) for (const l of byUser.get(userId) ?? []) l(event, position);
        }
      });
      topic = { everyone, byAudience, stop };
      this.topics.set(subject, topic);
    }
    const current = topic;
    let listeners = current.everyone;
    if (route) {
      const byUser = current.byAudience.get(route.field) ?? new Map<unknown, Set<Listener>>();
      current.byAudience.set(route.field, byUser);
      listeners = byUser.get(route.userId) ?? new Set<Listener>();
      byUser.set(route.userId, listeners);
    }
    listeners.add(listener);
    try {
      await current.stop;
    } catch (error) {
      // The broker refused: forget the topic so the next subscriber tries afresh.
      listeners.delete(listener);
      if (this.topics.get(subject) === current) this.topics.delete(subject);
      throw error;
    }
    return () => {
      if (!listeners.delete(listener)) return;
      if (route && !listeners.size) {
        const byUser = current.byAudience.get(route.field)!;
        byUser.delete(route.userId);
        if (!byUser.size) current.byAudience.delete(route.field);
      }
      if (current.everyone.size || current.byAudience.size) return;
      if (this.topics.get(subject) === current) this.topics.delete(subject);
      void current.stop.then((stop) => stop());
    };
  }
}

type Listener = LiveHandler;
type Resolved = {
  result: FormattedExecutionResult;
  resolved: 'own' | 'shared' | 'inline';
  event: DomainEvent;
  /** Ended once the subscriber has the result. */
  span: Span;
};
/** Which events a listener wants: those whose `field` names `userId`, or (null) every one. */
type Route = { field: string; userId: string } | null;

const audienceOf = (value: unknown): Iterable<unknown> => (Array.isArray(value) ? audienceSet(value) : [value]);

/** One event's recipients as a set, made once per event: every recipient's delivery checks it. */
const audienceSets = new WeakMap<unknown[], Set<unknown>>();
function audienceSet(recipients: unknown[]): Set<unknown> {
  let set = audienceSets.get(recipients);
  if (!set) {
    set = new Set(recipients);
    audienceSets.set(recipients, set);
  }
  return set;
}

const inAudience = (value: unknown, userId: string) =>
  Array.isArray(value) ? audienceSet(value).has(userId) : value === userId;

function matches(
  event: DomainEvent,
  live: LiveField,
  filters: Record<string, unknown>,
  viewer: Viewer | null,
): boolean {
  const payload = event.payload as Record<string, unknown>;
  if (live.audience) {
    if (!viewer || !inAudience(payload[live.audience], viewer.userId)) return false;
  }
  return Object.entries(filters).every(([name, value]) => value == null || payload[name] === value);
}

/** A result with the cursor a client resumes from after it (`extensions.live.cursor`). */
function withCursor(result: FormattedExecutionResult, cursor: string | null): ExecutionResult {
  if (!cursor) return result as ExecutionResult;
  return { ...result, extensions: { ...result.extensions, live: { cursor } } } as ExecutionResult;
}

/** The error a refused current-state query ends a subscription with, code and all. */
function refusal(result: FormattedExecutionResult): GraphQLError {
  const first = result.errors?.[0];
  return first
    ? new GraphQLError(first.message, { extensions: first.extensions })
    : codedError('Not found.', 'NOT_FOUND');
}

/** What a subscriber that lost events ends with: how many, why, and how to resume. */
function dropError(reason: DropReason, events: number) {
  const why =
    reason === 'slow_client'
      ? 'the client did not read its messages'
      : reason === 'backlog'
        ? 'the gateway could not look events up fast enough'
        : 'an event could not be looked up';
  return new GraphQLError(
    `${events} live event(s) were dropped because ${why}; this subscription has ended. Subscribe again with ` +
      `extensions.live.resumeFrom set to the last cursor (or with current: true where the field takes it) to ` +
      `resume.`,
    {
      extensions: { code: 'EVENTS_DROPPED', reason, dropped: events },
    },
  );
}

function codedError(message: string, code: string) {
  return new GraphQLError(message, { extensions: { code } });
}

/** Whether a page's origin is the host it connected to (the explorer, or an app served beside the API). */
function sameHost(origin: string, request: IncomingMessage): boolean {
  return URL.canParse(origin) && new URL(origin).host === request.headers.host?.toLowerCase();
}
