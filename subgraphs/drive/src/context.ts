import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { FileService } from './file.service.js';
import type { DriveLoaders } from './loaders.js';
import type { TrashService } from './trash.service.js';
import type { UploadService } from './upload.service.js';

export interface DriveServices {
  files: FileService;
  uploads: UploadService;
  trash: TrashService;
}

export type DriveContext = SubgraphContext<DriveServices, DriveLoaders>;
