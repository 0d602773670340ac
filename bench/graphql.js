/** Small GraphQL-over-HTTP helpers for seeding the benchmark through the public API. */

const TIMEOUT_MS = 30_000;

/** Runs one operation and returns its data; any HTTP or GraphQL error throws, so setup fails loudly. */
export async function graphql(url, query, variables = {}, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || body.errors?.length || !body.data) {
    throw new Error(`GraphQL ${response.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  }
  return body.data;
}

export const bearer = (token) => ({ authorization: `Bearer ${token}` });

const PASSWORD = 'bench passphrase 2024';

/** A valid new user; `runId` keeps runs apart, `n` users within a run. */
export function benchUser(runId, n) {
  const username = `b${runId}_${n}`;
  return { email: `${username}@bench.example`, username, password: PASSWORD, displayName: `Bench ${n}` };
}

/** Registers through the gateway; returns the access token and who it belongs to. */
export async function register(url, input) {
  const { register } = await graphql(
    url,
    'mutation Register($input: RegisterInput!) { register(input: $input) { accessToken user { id } } }',
    { input },
  );
  return { ...input, token: register.accessToken, userId: register.user.id };
}

/** Signs in again (a fresh token carries the user's current roles); `userAgent` names the device. */
export async function login(url, user, userAgent = 'peerlink-bench') {
  const { login } = await graphql(
    url,
    'mutation Login($input: LoginInput!) { login(input: $input) { accessToken } }',
    { input: { login: user.username, password: user.password } },
    { 'user-agent': userAgent },
  );
  return login.accessToken;
}

/** The claims of a JWT, unverified: the bench only reads what the gateway signed for it. */
export function jwtClaims(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}
