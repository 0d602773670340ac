import { readSlice, z, type ConfigSlice } from '@peerlink/platform/config';

/** The assistant's own variables: which model answers, and how much each user may ask of it. */
const assistantSchema = z.object({
  /**
   * Who writes the answers: `embedded` (the offline engine in this process: intents, tools and templates, no
   * model download), `openai` (any OpenAI-compatible endpoint: OpenAI, Together, vLLM, llama.cpp, Ollama's /v1)
   * or `ollama` (Ollama's own API).
   */
  ASSISTANT_PROVIDER: z.enum(['embedded', 'openai', 'ollama']).default('embedded'),
  ASSISTANT_MODEL: z.string().min(1).optional(),
  /** For `openai`: the endpoint's base URL (…/v1) and key. The key never leaves this process. */
  ASSISTANT_OPENAI_BASE_URL: z.string().url().optional(),
  ASSISTANT_OPENAI_API_KEY: z.string().min(1).optional(),
  /** For `ollama`: where Ollama listens. */
  ASSISTANT_OLLAMA_URL: z.string().url().optional(),
  /**
   * Where tools query the graph as the asking user: required for a process of its own (in one process, its gateway).
   */
  ASSISTANT_GATEWAY_URL: z.string().url().optional(),
  /** The longest question, in characters. */
  ASSISTANT_MAX_INPUT_CHARS: z.coerce.number().int().min(1).max(100_000).default(4000),
  /** Per user, in each window: questions asked, and tokens the model spent answering them. */
  ASSISTANT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),
  ASSISTANT_REQUESTS_PER_WINDOW: z.coerce.number().int().min(1).default(60),
  ASSISTANT_TOKENS_PER_WINDOW: z.coerce.number().int().min(1).default(100_000),
  /** A reply not finished by then ends FAILED (SERVICE_UNAVAILABLE); the question stays, to ask again. */
  ASSISTANT_REPLY_DEADLINE_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
  /** Replies one process writes at once; more wait their turn (the model's work shares the API's event loop). */
  ASSISTANT_MAX_CONCURRENT_REPLIES: z.coerce.number().int().min(1).max(10_000).default(256),
  /** Earlier messages of a thread the model is given with each question. */
  ASSISTANT_HISTORY_MESSAGES: z.coerce.number().int().min(0).max(200).default(20),
});

const checkedSchema = assistantSchema.superRefine((values, ctx) => {
  const needs = (provider: string, names: (keyof typeof values)[]) => {
    for (const name of names)
      if (values.ASSISTANT_PROVIDER === provider && !values[name])
        ctx.addIssue({ code: 'custom', path: [name], message: `required when ASSISTANT_PROVIDER=${provider}` });
  };
  needs('openai', ['ASSISTANT_OPENAI_BASE_URL', 'ASSISTANT_MODEL']);
  needs('ollama', ['ASSISTANT_OLLAMA_URL', 'ASSISTANT_MODEL']);
  const onlyFor = (provider: string, names: (keyof typeof values)[]) => {
    for (const name of names)
      if (values.ASSISTANT_PROVIDER !== provider && values[name])
        ctx.addIssue({ code: 'custom', path: [name], message: `has no use unless ASSISTANT_PROVIDER=${provider}` });
  };
  onlyFor('openai', ['ASSISTANT_OPENAI_BASE_URL', 'ASSISTANT_OPENAI_API_KEY']);
  onlyFor('ollama', ['ASSISTANT_OLLAMA_URL']);
  if (values.ASSISTANT_PROVIDER === 'embedded' && values.ASSISTANT_MODEL)
    ctx.addIssue({ code: 'custom', path: ['ASSISTANT_MODEL'], message: 'the embedded engine has no models to choose' });
});

export type AssistantConfig = z.infer<typeof assistantSchema>;

export const assistantConfig: ConfigSlice<AssistantConfig> = (env, platform) =>
  readSlice(checkedSchema, env, (values) =>
    // A process of its own cannot know where the gateway answers (in one process it is told).
    platform.SERVICE === 'assistant' && !values.ASSISTANT_GATEWAY_URL
      ? ['ASSISTANT_GATEWAY_URL: required when the assistant runs as its own process (SERVICE=assistant)']
      : [],
  );
