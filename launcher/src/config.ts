import { gatewayConfig, type GatewayConfig } from '@peerlink/gateway';
import { loadConfig, loadSlices, type Config, type ConfigSlice } from '@peerlink/platform/config';
import { subgraphs } from './subgraphs.js';

/**
 * Everything the whole supergraph in one process is configured with: the platform's slice, the gateway's, each
 * subgraph's.
 */
export interface StackConfig {
  platform: Config;
  gateway: GatewayConfig;
  /** Each subgraph's own settings by its name, handed to its start(). */
  subgraphs: Record<string, unknown>;
}

/** Validates every slice of every service the stack runs, before anything starts; all problems in one ConfigError. */
export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const platform = loadConfig(env);
  const own = Object.fromEntries(
    subgraphs.flatMap(({ definition }) => (definition.config ? [[definition.name, definition.config]] : [])),
  ) as Record<string, ConfigSlice<unknown>>;
  const { gateway, ...settings } = loadSlices(env, platform, { gateway: gatewayConfig, ...own });
  return { platform, gateway: gateway as GatewayConfig, subgraphs: settings };
}
