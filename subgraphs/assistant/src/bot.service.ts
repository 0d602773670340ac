import type { EntityManager } from '@mikro-orm/postgresql';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { badInput, conflict, notFound } from '@peerlink/platform/errors';
import { isUuid } from '@peerlink/platform/ids';
import { Bot, type BotIntent } from './bot.entity.js';
import { BUILT_IN_BOTS, DEFAULT_BOT } from './bots.js';
import { TOOL_NAMES } from './tools/graph-tools.js';

export interface BotInput {
  slug?: string | null;
  name?: string | null;
  description?: string | null;
  instructions?: string | null;
  tools?: string[] | null;
  intents?: BotIntent[] | null;
}

const SLUG = /^[a-z][a-z0-9-]{1,31}$/;

/** The bots users may ask: PeerLink's own, kept as admins edit them, and any admins add. */
export class BotService {
  constructor(private readonly em: EntityManager) {}

  /** Adds the built-in bots a fresh database lacks; an admin's edits to one that exists are kept. */
  async installBuiltIns(): Promise<void> {
    const em = this.em.fork();
    const present = new Set((await em.find(Bot, {})).map((bot) => bot.slug));
    for (const bot of BUILT_IN_BOTS.filter((b) => !present.has(b.slug))) em.create(Bot, { ...bot, builtIn: true });
    await em.flush();
  }

  list(): Promise<Bot[]> {
    return this.em.fork().find(Bot, {}, { orderBy: { builtIn: 'desc', createdAt: 'asc' } });
  }

  async bySlug(slug = DEFAULT_BOT): Promise<Bot> {
    const bot = await this.em.fork().findOne(Bot, { slug });
    if (!bot) throw notFound('Assistant bot');
    return bot;
  }

  async byId(id: string): Promise<Bot> {
    const bot = isUuid(id) ? await this.em.fork().findOne(Bot, id) : null;
    if (!bot) throw notFound('Assistant bot');
    return bot;
  }

  async create(viewer: Viewer, input: BotInput): Promise<Bot> {
    requireRole(viewer, 'ADMIN', 'Only admins create assistant bots.');
    const fields = checked(input);
    for (const name of ['slug', 'name', 'description', 'instructions'] as const)
      if (!fields[name]) throw badInput(`${name} is required.`, name);
    const em = this.em.fork();
    if (await em.count(Bot, { slug: fields.slug! })) throw conflict('A bot with that slug exists.', 'slug');
    const bot = em.create(Bot, {
      slug: fields.slug!,
      name: fields.name!,
      description: fields.description!,
      instructions: fields.instructions!,
      tools: fields.tools ?? [],
      intents: fields.intents ?? [],
    });
    await em.flush();
    return bot;
  }

  async update(viewer: Viewer, id: string, input: BotInput): Promise<Bot> {
    requireRole(viewer, 'ADMIN', 'Only admins edit assistant bots.');
    const fields = checked(input);
    const em = this.em.fork();
    const bot = isUuid(id) ? await em.findOne(Bot, id) : null;
    if (!bot) throw notFound('Assistant bot');
    if (fields.slug && fields.slug !== bot.slug) {
      if (bot.builtIn) throw badInput('A built-in bot keeps its slug.', 'slug');
      if (await em.count(Bot, { slug: fields.slug })) throw conflict('A bot with that slug exists.', 'slug');
    }
    for (const [name, value] of Object.entries(fields)) if (value != null) Object.assign(bot, { [name]: value });
    bot.updatedAt = new Date();
    await em.flush();
    return bot;
  }
}

/** Trimmed, bounded, and with only known tools; intents must name a tool the bot has. */
function checked(input: BotInput): BotInput {
  const text = (value: string | null | undefined, name: string, max: number) => {
    if (value == null) return value;
    const trimmed = value.trim();
    if (!trimmed || trimmed.length > max) throw badInput(`${name}: 1 to ${max} characters.`, name);
    return trimmed;
  };
  const slug = text(input.slug, 'slug', 32);
  if (slug && !SLUG.test(slug)) throw badInput('slug: lower-case letters, digits and dashes.', 'slug');
  const unknown = input.tools?.find((tool) => !(TOOL_NAMES as readonly string[]).includes(tool));
  if (unknown) throw badInput(`No tool is called ${unknown}; there are ${TOOL_NAMES.join(', ')}.`, 'tools');
  for (const intent of input.intents ?? []) {
    if (!intent.name.trim() || !intent.examples.some((example) => example.trim()))
      throw badInput('Each intent needs a name and examples.', 'intents');
    if (intent.tool && intent.tool !== 'remember' && !(input.tools ?? TOOL_NAMES).includes(intent.tool as never))
      throw badInput(`Intent ${intent.name} calls ${intent.tool}, which the bot does not have.`, 'intents');
  }
  return {
    slug,
    name: text(input.name, 'name', 80),
    description: text(input.description, 'description', 500),
    instructions: text(input.instructions, 'instructions', 8000),
    tools: input.tools ? [...new Set(input.tools)] : input.tools,
    intents: input.intents,
  };
}
