/** One tab the explorer opens on: GraphiQL's `defaultTabs` shape. */
export interface ExplorerExample {
  query: string;
  /** JSON, as GraphiQL's variables editor holds it. */
  variables?: string;
}

/**
 * A first tour of the API, bundled into the explorer (explorer/entry.tsx). e2e/explorer.spec.ts
 * checks every one against the schema the gateway serves, so a schema change cannot leave a
 * newcomer on a broken example.
 */
export const EXPLORER_EXAMPLES: ExplorerExample[] = [
  {
    query: `# Welcome to PeerLink. Each tab holds an example: run it with the ▶ button (Ctrl-Enter).
# CreateAccount or SignIn (the next tabs) answers an accessToken: paste it into "Access token"
# above to act as that user, here and in subscriptions. Docs (the book icon) lists everything.
query WhoAmI {
  me {
    id
    username
    displayName
    email
    roles
  }
}
`,
  },
  {
    query: `# A new account; the answer signs you in. Change the variables below first.
mutation CreateAccount($input: RegisterInput!) {
  createAccount(input: $input) {
    accessToken
    expiresAt
    user {
      id
      username
    }
  }
}
`,
    variables: JSON.stringify(
      {
        input: {
          email: 'ada@example.com',
          username: 'ada',
          displayName: 'Ada Lovelace',
          password: 'correct horse battery staple',
        },
      },
      null,
      2,
    ),
  },
  {
    query: `# Sign in with an email address or a username.
mutation SignIn($input: LoginInput!) {
  createSession(input: $input) {
    accessToken
    expiresAt
    user {
      id
      username
    }
  }
}
`,
    variables: JSON.stringify({ input: { login: 'ada', password: 'correct horse battery staple' } }, null, 2),
  },
  {
    query: `# Posts by the people you follow, and your own, newest first (sign in first).
query HomeFeed($first: Int, $after: String) {
  feed(first: $first, after: $after) {
    edges {
      node {
        id
        body
        createdAt
        likeCount
        commentCount
        author {
          username
          displayName
        }
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
`,
    variables: JSON.stringify({ first: 10 }, null, 2),
  },
  {
    query: `# Products on sale, best match first; no account needed.
query SearchProducts($filter: ProductFilter, $first: Int) {
  products(filter: $filter, first: $first) {
    edges {
      node {
        id
        title
        price {
          amount
          currency
        }
        seller {
          displayName
        }
        rating {
          average
          count
        }
      }
    }
  }
}
`,
    variables: JSON.stringify({ filter: { search: 'camera' }, first: 10 }, null, 2),
  },
  {
    query: `# Your notifications as they arrive, over WebSocket (sign in first). Leave it running,
# then have someone follow you, or change your password, from another window.
subscription LiveNotifications {
  notificationAdded {
    id
    kind
    title
    body
    createdAt
  }
}
`,
  },
];
