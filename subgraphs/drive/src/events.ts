/**
 * The events drive publishes: its public contract. Other subgraphs may `import type` this file and
 * nothing else from drive.
 */
export type DriveEvents = {
  'drive.file.shared': { fileId: string; ownerId: string; userId: string; role: 'VIEWER' | 'EDITOR'; name: string };
};
