import type { Viewer } from '@peerlink/platform/auth/viewer';
import { z } from '@peerlink/platform/config';
import { tool, type StructuredToolInterface } from '@langchain/core/tools';
import { GatewayQueryError, type GatewayClient } from './gateway-client.js';

/**
 * The tools bots may use, each one query through the gateway as the asking user. They answer in
 * short plain text, which a language model reads well and the offline engine can repeat as it is.
 */
export const TOOL_NAMES = [
  'search_catalog',
  'my_orders',
  'my_course_progress',
  'my_unread_conversations',
  'find_my_files',
] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

const query = z.object({ query: z.string().max(200).optional().describe('Words to look for, if any.') });
type Query = z.infer<typeof query>;

interface Money {
  amount: number;
  currency: string;
}
const money = ({ amount, currency }: Money) => `${(amount / 100).toFixed(2)} ${currency}`;

/** Words worth searching for: the question without the words every question has. */
export function searchWords(text: string | undefined): string {
  const words = (text ?? '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.filter((word) => word.length > 2 && !FILLER.has(word)).join(' ');
}
const FILLER = new Set(
  (
    'the and for you are any can find show search looking look some about with need want buy sell sells ' +
    'there have has does did what which where who how course courses product products please into from ' +
    'that this your mine file files document documents uploaded called named'
  ).split(' '),
);

/** Every tool a bot may be given, bound to the user it acts for. */
export function graphTools(gateway: GatewayClient, viewer: Viewer, only: readonly string[]): StructuredToolInterface[] {
  const ask = async <T>(text: string, variables?: Record<string, unknown>) => gateway.query<T>(viewer, text, variables);
  const guarded =
    (run: (input: Query) => Promise<string>) =>
    async (input: Query): Promise<string> => {
      try {
        return await run(input);
      } catch (error) {
        // The model is told plainly; nothing of the gateway's internals goes further.
        if (error instanceof GatewayQueryError) return `Could not look that up (${error.code}).`;
        throw error;
      }
    };

  const all: Record<ToolName, StructuredToolInterface> = {
    search_catalog: tool(
      guarded(async ({ query: words }) => {
        const search = searchWords(words) || undefined;
        const data = await ask<{
          products: { edges: { node: { title: string; kind: string; price: Money } }[] } | null;
          courses: { edges: { node: { title: string; level: string; isFree: boolean } }[] } | null;
        }>(SEARCH_CATALOG, { search });
        const products = data.products?.edges.map(
          ({ node }) => `- ${node.title} (${node.kind.toLowerCase()}), ${money(node.price)}`,
        );
        const courses = data.courses?.edges.map(
          ({ node }) => `- ${node.title} (course, ${node.level.toLowerCase()}${node.isFree ? ', free' : ''})`,
        );
        const found = [...(products ?? []), ...(courses ?? [])];
        if (!found.length) return `Nothing in the marketplace matches${search ? ` "${search}"` : ''}.`;
        return `In the marketplace${search ? ` for "${search}"` : ''}:\n${found.join('\n')}`;
      }),
      {
        name: 'search_catalog',
        description: 'Search published products and courses in the marketplace.',
        schema: query,
      },
    ),
    my_orders: tool(
      guarded(async () => {
        const data = await ask<{
          myOrders: {
            edges: {
              node: {
                id: string;
                status: string;
                trackingNumber: string | null;
                createdAt: string;
                total: Money;
                items: { title: string; quantity: number }[];
              };
            }[];
          } | null;
        }>(MY_ORDERS);
        const orders = data.myOrders?.edges.map(({ node }) => {
          const what = node.items.map((item) => `${item.quantity} × ${item.title}`).join(', ');
          const tracking = node.trackingNumber ? `, tracking number ${node.trackingNumber}` : '';
          return (
            `- Order ${node.id.slice(-8)} of ${node.createdAt.slice(0, 10)} (${what}, ${money(node.total)}): ` +
            `${node.status}${tracking}`
          );
        });
        return orders?.length ? `Your latest orders:\n${orders.join('\n')}` : 'You have no orders yet.';
      }),
      { name: 'my_orders', description: "The user's latest orders and their status.", schema: query },
    ),
    my_course_progress: tool(
      guarded(async () => {
        const data = await ask<{
          me: {
            enrollments: {
              edges: {
                node: { status: string; course: { title: string; viewerProgress: { percent: number } | null } | null };
              }[];
            } | null;
          } | null;
        }>(MY_COURSES);
        const courses = data.me?.enrollments?.edges
          .filter(({ node }) => node.course)
          .map(({ node }) => `- ${node.course!.title}: ${node.course!.viewerProgress?.percent ?? 0}% done`);
        return courses?.length ? `Your courses:\n${courses.join('\n')}` : 'You are not enrolled in any course.';
      }),
      { name: 'my_course_progress', description: "The user's courses and how far they are in each.", schema: query },
    ),
    my_unread_conversations: tool(
      guarded(async () => {
        const data = await ask<{
          conversations: {
            edges: {
              node: {
                title: string | null;
                unreadCount: number;
                lastMessage: { body: string | null; sender: { displayName: string } | null } | null;
              };
            }[];
          } | null;
        }>(UNREAD_CONVERSATIONS);
        const unread = data.conversations?.edges
          .filter(({ node }) => node.unreadCount > 0)
          .map(({ node }) => {
            const last = node.lastMessage;
            const who = last?.sender?.displayName ?? 'someone';
            const title = node.title ?? `with ${who}`;
            return `- ${title}: ${node.unreadCount} unread; last, from ${who}: "${(last?.body ?? '').slice(0, 140)}"`;
          });
        return unread?.length ? `Unread conversations:\n${unread.join('\n')}` : 'You have no unread messages.';
      }),
      {
        name: 'my_unread_conversations',
        description: "The user's conversations with unread messages, and the last message of each.",
        schema: query,
      },
    ),
    find_my_files: tool(
      guarded(async ({ query: words }) => {
        const data = await ask<{
          files: { edges: { node: { name: string; mimeType: string; size: number } }[] } | null;
        }>(MY_FILES);
        const wanted = searchWords(words).split(' ').filter(Boolean);
        const files = (data.files?.edges ?? [])
          .map(({ node }) => node)
          .filter((file) => !wanted.length || wanted.some((word) => file.name.toLowerCase().includes(word)))
          .map((file) => `- ${file.name} (${file.mimeType}, ${Math.ceil(file.size / 1024)} KB)`);
        return files.length ? `Your files:\n${files.join('\n')}` : 'No file of yours matches.';
      }),
      { name: 'find_my_files', description: "Find the user's files in their drive by name.", schema: query },
    ),
  };
  return only.filter((name): name is ToolName => name in all).map((name) => all[name]);
}

const SEARCH_CATALOG = `query AssistantSearchCatalog($search: String) {
  products(first: 5, filter: { search: $search, inStock: true }) { edges { node { title kind price { amount currency } }
    } }
  courses(first: 5, filter: { search: $search }) { edges { node { title level isFree } } }
}`;

const MY_ORDERS = `query AssistantMyOrders {
  myOrders(first: 5) {
    edges { node { id status trackingNumber createdAt total { amount currency } items { title quantity } } }
  }
}`;

const MY_COURSES = `query AssistantMyCourses {
  me { enrollments(first: 10) { edges { node { status course { title viewerProgress { percent } } } } } }
}`;

const UNREAD_CONVERSATIONS = `query AssistantUnreadConversations {
  conversations(first: 20) {
    edges { node { title unreadCount lastMessage { body sender { displayName } } } }
  }
}`;

const MY_FILES = `query AssistantMyFiles {
  files(first: 50) { edges { node { name mimeType size } } }
}`;
