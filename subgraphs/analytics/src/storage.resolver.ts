import { requireViewer } from '@peerlink/platform/auth/viewer';
import { SafeInt } from '@peerlink/platform/graphql/safe-int';
import { Arg, Ctx, Field, ID, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { AnalyticsContext } from './context.js';
import { checkedPeriod } from './period.js';
import { ReportPeriod } from './report.resolver.js';

@ObjectType({ description: 'What drive stored at the end of a day: files not purged, with all their versions.' })
export class StoredFigures {
  @Field({ description: 'YYYY-MM-DD in the period’s time zone.' })
  date!: string;

  @Field(() => Int)
  files!: number;

  @Field(() => SafeInt)
  bytes!: number;
}

@ObjectType()
export class StorageDay extends StoredFigures {
  @Field(() => SafeInt, { description: 'Bytes of the versions uploaded or registered that day.' })
  bytesAdded!: number;

  @Field(() => SafeInt, { description: 'Bytes freed by purges that day.' })
  bytesPurged!: number;
}

@ObjectType()
export class StorageUserDay extends StoredFigures {
  @Field(() => ID, { description: 'The files’ owner.' })
  userId!: string;
}

@ObjectType()
export class StorageMimeTypeDay extends StoredFigures {
  @Field({ description: 'Each file’s type as of its latest version that day.' })
  mimeType!: string;
}

@ObjectType()
export class StorageReport {
  @Field(() => [StorageDay], { description: 'Every day of the period, oldest first.' })
  days!: StorageDay[];

  @Field(() => [StorageUserDay], { description: 'Per owner with files, per day.' })
  users!: StorageUserDay[];

  @Field(() => [StorageMimeTypeDay], { description: 'Per MIME type, per day.' })
  mimeTypes!: StorageMimeTypeDay[];

  @Field(() => Date, { nullable: true, description: 'When the latest event these figures include happened.' })
  lastEventAt!: Date | null;
}

@Resolver()
export class StorageReportResolver {
  @Query(() => StorageReport, {
    nullable: true,
    description: 'Admins: bytes and files drive stores, per day, per owner and per MIME type (`userId`: one owner).',
  })
  storageReport(
    @Arg('period') period: ReportPeriod,
    @Arg('userId', () => ID, { nullable: true }) userId: string | null,
    @Ctx() ctx: AnalyticsContext,
  ) {
    return ctx.services.storage.report(requireViewer(ctx.viewer), checkedPeriod(period), userId);
  }
}
