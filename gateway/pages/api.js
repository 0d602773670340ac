// Shared by the account pages: one GraphQL call to this gateway, and the link's token.

/** Sends one operation to the gateway's /graphql, as `token`'s holder if given; never throws. */
export async function graphql(query, variables, token) {
  try {
    // Beside pages/, wherever the page itself is (/admin/reports is a level down).
    const response = await fetch(new URL('../graphql', import.meta.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    return { data: body.data ?? null, errors: body.errors ?? [] };
  } catch {
    return {
      data: null,
      errors: [
        {
          message: 'PeerLink could not be reached. Check your connection and try again.',
          extensions: { code: 'NETWORK' },
        },
      ],
    };
  }
}

/**
 * The token from the link, which is then taken out of the address bar (and so out of the
 * history and of anything copied from it).
 */
export function takeToken() {
  const url = new URL(location.href);
  const token = url.searchParams.get('token')?.trim() ?? '';
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    history.replaceState(null, '', url);
  }
  return token;
}

/** What to tell the person for an error the API answered. */
export function explain(error) {
  switch (error?.extensions?.code) {
    case 'BAD_USER_INPUT':
    case 'NETWORK':
      return error.message;
    case 'RATE_LIMITED':
      return 'Too many attempts. Wait a few minutes, then try again.';
    case 'SERVICE_UNAVAILABLE':
      return 'PeerLink is briefly unavailable. Try again in a moment.';
    default:
      return 'Something went wrong. Try again later.';
  }
}

/** Shows the outcome in the status line, and moves focus to it for screen readers. */
export function say(text, kind) {
  const status = document.getElementById('status');
  status.textContent = text;
  status.className = kind;
  status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  if (kind) document.getElementById('title').focus();
}
