import type { BotIntent } from './bot.entity.js';

export interface BotDefinition {
  slug: string;
  name: string;
  description: string;
  instructions: string;
  tools: string[];
  intents: BotIntent[];
}

const COMMON = [
  'You are an assistant inside PeerLink, a social network with chat, a drive, a marketplace and online courses.',
  'Use the tools to look things up: they see exactly what the user may see. Never invent orders, courses or files.',
  'Answer briefly, in the language the user wrote in.',
].join(' ');

const findThings: BotIntent = {
  name: 'search_catalog',
  tool: 'search_catalog',
  examples: [
    'find me a laptop',
    'search for headphones',
    'do you sell guitars',
    'show me courses about photography',
    'is there a course on javascript',
    'I am looking for a book about cooking',
  ],
};
const myOrders: BotIntent = {
  name: 'order_status',
  tool: 'my_orders',
  examples: [
    'where is my order',
    'has my package shipped',
    'track my parcel',
    'what is the status of my order',
    'when will my delivery arrive',
    'did my purchase go through',
  ],
};
const myCourses: BotIntent = {
  name: 'course_progress',
  tool: 'my_course_progress',
  examples: [
    'how far am I in my courses',
    'my course progress',
    'which courses am I taking',
    'what should I study next',
    'did I finish my course',
  ],
};
const unread: BotIntent = {
  name: 'unread_conversations',
  tool: 'my_unread_conversations',
  examples: [
    'do I have unread messages',
    'summarise my unread conversations',
    'who wrote to me',
    'any new messages in my chats',
  ],
};
const files: BotIntent = {
  name: 'find_files',
  tool: 'find_my_files',
  examples: ['find my file', 'where is my document', 'show my files', 'find the pdf I uploaded', 'my photos in drive'],
};

/** Every bot may remember things about its user (memory.service.ts gives each reply the tool). */
const remember: BotIntent = {
  name: 'remember',
  tool: 'remember',
  examples: [
    'remember that I prefer vegan food',
    'please remember I live in Lisbon',
    'keep in mind that I am a beginner',
    'remember my favourite colour is green',
  ],
};

/** The bots PeerLink ships with; admins may edit them (assistant.service keeps their edits) or add others. */
export const BUILT_IN_BOTS: BotDefinition[] = [
  {
    slug: 'general',
    name: 'PeerLink Assistant',
    description: 'Answers questions about your things across PeerLink: orders, courses, chats and files.',
    instructions: COMMON,
    tools: ['search_catalog', 'my_orders', 'my_course_progress', 'my_unread_conversations', 'find_my_files'],
    intents: [findThings, myOrders, myCourses, unread, files, remember],
  },
  {
    slug: 'shopping',
    name: 'Shopping Assistant',
    description: 'Finds products and courses in the marketplace and follows your orders.',
    instructions: `${COMMON} You help people find products and courses to buy, and follow their orders.`,
    tools: ['search_catalog', 'my_orders'],
    intents: [findThings, myOrders, remember],
  },
  {
    slug: 'courses',
    name: 'Course Advisor',
    description: 'Suggests courses and tells you how far you are in yours.',
    instructions: `${COMMON} You advise learners: suggest courses that fit them and help them keep going.`,
    tools: ['search_catalog', 'my_course_progress'],
    intents: [{ ...findThings, name: 'find_course' }, myCourses, remember],
  },
  {
    slug: 'support',
    name: 'Support',
    description: 'Helps with orders, refunds and signing in.',
    instructions: `${COMMON} You are PeerLink's support desk: orders, refunds and account access.`,
    tools: ['my_orders'],
    intents: [
      myOrders,
      {
        name: 'refund',
        tool: 'my_orders',
        examples: [
          'I want a refund',
          'I want my money back',
          'how do I return an item',
          'the item arrived broken',
          'refund my order',
          'cancel my purchase and pay me back',
        ],
        answer:
          'To get a refund, open the order and choose "Request a return" within its return window; the seller ' +
          'answers, and a moderator decides if you disagree. The money goes back to how you paid.',
      },
      {
        name: 'login_help',
        examples: [
          "I can't log in",
          'I forgot my password',
          'my password does not work',
          'I am locked out of my account',
          'how do I reset my password',
          'sign in problem',
        ],
        answer:
          'Choose "Forgot password" on the sign-in page: we email you a link to set a new one. If too many tries ' +
          'locked you out, wait a few minutes and try again. Signed in somewhere you do not recognise? Sign out ' +
          'everywhere from your account page.',
      },
      remember,
    ],
  },
];

export const DEFAULT_BOT = 'general';
