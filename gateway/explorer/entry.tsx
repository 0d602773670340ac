// Browser entry for the offline schema explorer. Bundled by ./build.mjs into
// gateway/dist/explorer/ and served by gateway/src/explorer.ts — no CDN involved.
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { getOperationAST, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import 'graphiql/graphiql.css';
import { EXPLORER_EXAMPLES } from '../src/explorer-examples.js';

const TOKEN_KEY = 'peerlink.accessToken';

const rootEl = document.getElementById('root')!;
// The server tells us where GraphQL lives; resolve it so both fetch and ws get absolute URLs.
const httpUrl = new URL(rootEl.dataset.graphqlPath || '/graphql', location.href).toString();
const wsUrl = httpUrl.replace(/^http/, 'ws'); // http: -> ws:, https: -> wss:

// localStorage can throw (privacy modes, disabled storage); the explorer must still work.
function loadToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}
function saveToken(token: string): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* ignore */
  }
}

// Adds the toolbar token to HTTP requests via a fetch wrapper, so GraphiQL's header
// editor stays free for the user. An Authorization header typed there still wins.
function fetchWithToken(token: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    if (token && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };
}

// The toolkit only recognises a subscription by its operation name, so an anonymous
// `subscription { … }` would go over HTTP; send every subscription over the socket. And GraphiQL
// reads the operation name 100 ms after an edit, so a run right after switching tabs carries the
// previous tab's name, which the server refuses: a document with one operation runs that one.
function withOperationsSorted(fetcher: Fetcher, wsClient: Client): Fetcher {
  return (params, options) => {
    let operationName = params.operationName ?? undefined;
    let isSubscription = false;
    try {
      const document = parse(params.query);
      const operations = document.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      if (operations.length === 1) operationName = operations[0]!.name?.value;
      isSubscription = getOperationAST(document, operationName)?.operation === 'subscription';
    } catch {
      // Unparseable: let the server explain.
    }
    if (!isSubscription) return fetcher({ ...params, operationName: operationName ?? null }, options);
    return wsClient.iterate({ query: params.query, variables: params.variables ?? undefined, operationName });
  };
}

// Tolerate pasted whitespace or a pasted "Bearer " prefix.
const normalize = (raw: string) => raw.trim().replace(/^Bearer\s+/i, '');

function App() {
  const [draft, setDraft] = useState(loadToken);
  const [token, setToken] = useState(() => normalize(draft));
  const [fetcher, setFetcher] = useState<Fetcher | null>(null);

  // Debounce typing so GraphiQL doesn't re-introspect the schema on every keystroke.
  useEffect(() => {
    const t = setTimeout(() => setToken(normalize(draft)), 300);
    return () => clearTimeout(t);
  }, [draft]);

  // One ws client per token: connectionParams are only sent on connect, so a new token
  // needs a new socket. Built in an effect so the old client is disposed on change/unmount.
  useEffect(() => {
    saveToken(token);
    const wsClient = createClient({
      url: wsUrl,
      lazy: true,
      connectionParams: () => ({ authorization: token ? `Bearer ${token}` : undefined }),
    });
    const next = withOperationsSorted(
      createGraphiQLFetcher({ url: httpUrl, wsClient, fetch: fetchWithToken(token) }),
      wsClient,
    );
    setFetcher(() => next); // function form: store the fetcher itself, don't call it
    return () => void wsClient.dispose();
  }, [token]);

  return (
    <div style={{ position: 'fixed', inset: 0, display: 'flex', flexDirection: 'column' }}>
      <header
        style={{
          display: 'flex',
          alignItems: 'center',
          gap: 16,
          padding: '6px 12px',
          background: 'hsl(219, 29%, 18%)',
          color: 'hsl(219, 29%, 90%)',
          font: '14px system-ui, sans-serif',
        }}
      >
        <strong>PeerLink explorer</strong>
        <label style={{ display: 'flex', alignItems: 'center', gap: 8, marginLeft: 'auto' }}>
          Access token
          <input
            type="password"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder="paste an accessToken from login/register"
            autoComplete="off"
            spellCheck={false}
            style={{ width: 340, padding: '4px 8px', border: '1px solid #5a6478', borderRadius: 4 }}
          />
        </label>
      </header>
      <div style={{ flex: 1, minHeight: 0 }}>
        {fetcher && <GraphiQL fetcher={fetcher} defaultTabs={EXPLORER_EXAMPLES} />}
      </div>
    </div>
  );
}

createRoot(rootEl).render(<App />);
