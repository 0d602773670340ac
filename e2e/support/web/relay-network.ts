import { Environment, Network, RecordSource, Store, type FetchFunction } from 'relay-runtime';

/** Relay has no network layer of its own: this is the fetch function from its docs, plus the token. */
export function createRelayEnvironment(url: string, token: () => string | null) {
  const fetchFn: FetchFunction = async (operation, variables) => {
    const current = token();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(current ? { authorization: `Bearer ${current}` } : {}) },
      body: JSON.stringify({ query: operation.text, variables }),
    });
    return response.json();
  };
  return new Environment({ network: Network.create(fetchFn), store: new Store(new RecordSource()) });
}
