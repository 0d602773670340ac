import type { Server } from 'node:http';

/**
 * Stops accepting connections, lets requests in flight finish for up to `graceMs`, then drops
 * whatever is left. Idle keep-alive connections are closed at once, or close() would wait on them.
 */
export async function closeServer(server: Server, graceMs = 5000): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}
