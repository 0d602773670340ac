/**
 * Apollo's query plan asks for an entity once per place it appears: a deep query whose reviews all
 * have one author sends that author's representation to the subgraph 48 times in one call, and gets
 * 48 copies back to parse. Each distinct representation is sent once here, and the answer spread
 * back over every place that asked, errors included, so the plan sees what it would have got.
 *
 * The places share one parsed entity. The plan only merges into entities what the same fetch
 * returned for the same representation, so a shared one receives the same values each time.
 */
export interface UniqueRepresentations {
  variables: Record<string, unknown> | undefined;
  /** Restores one entity (and error) per representation first asked for; absent when none repeated. */
  expand?: (response: SubgraphAnswer) => SubgraphAnswer;
}

interface SubgraphAnswer {
  data?: { _entities?: unknown } | null;
  errors?: { path?: readonly (string | number)[] }[];
}

export function uniqueRepresentations(variables: Record<string, unknown> | undefined): UniqueRepresentations {
  const representations = variables?.representations;
  if (!Array.isArray(representations) || representations.length < 2) return { variables };
  const seen = new Map<string, number>();
  const unique: unknown[] = [];
  const positions = new Array<number>(representations.length);
  for (let i = 0; i < representations.length; i++) {
    const key = JSON.stringify(representations[i]);
    let at = seen.get(key);
    if (at === undefined) {
      at = unique.length;
      seen.set(key, at);
      unique.push(representations[i]);
    }
    positions[i] = at;
  }
  if (unique.length === representations.length) return { variables };
  return {
    variables: { ...variables, representations: unique },
    expand: (response) => expand(response, positions, unique.length),
  };
}

function expand(response: SubgraphAnswer, positions: number[], sent: number): SubgraphAnswer {
  const entities = response.data?._entities;
  // Anything else is malformed: left as it came, for the plan to report.
  if (Array.isArray(entities) && entities.length === sent)
    response.data!._entities = positions.map((at) => entities[at]);
  if (response.errors) {
    response.errors = response.errors.flatMap((error) => {
      const [root, at, ...rest] = error.path ?? [];
      if (root !== '_entities' || typeof at !== 'number') return [error];
      const copies = positions.flatMap((position, index) =>
        position === at ? [{ ...error, path: ['_entities', index, ...rest] }] : [],
      );
      return copies.length ? copies : [error];
    });
  }
  return response;
}
