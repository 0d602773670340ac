import { holdsRole } from '@peerlink/platform/auth/roles';
import { requireViewer } from '@peerlink/platform/auth/viewer';
import { badInput, notFound } from '@peerlink/platform/errors';
import { isUuid } from '@peerlink/platform/ids';
import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import type { IdentityContext } from './context.js';
import { Role, User } from './user.entity.js';

@InputType()
export class UpdateProfileInput {
  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Field(() => String, { nullable: true })
  username?: string | null;

  @Field(() => String, { nullable: true, description: 'Empty clears it.' })
  bio?: string | null;

  @Field(() => String, { nullable: true, description: 'Empty clears it.' })
  avatarUrl?: string | null;
}

@ObjectType({ description: 'A new access token for the current session.' })
export class RefreshedAccess {
  @Field()
  accessToken!: string;

  @Field({ description: 'When accessToken stops working.' })
  expiresAt!: Date;
}

/** The role is the caller's own; a token issued by this call rides on the context to `User.refreshedAccess`. */
async function takeRole(ctx: IdentityContext, role: Role) {
  const viewer = requireViewer(ctx.viewer);
  const { user, refreshedAccess } = await ctx.services.accounts.takeRole(viewer, role, ctx.client);
  if (refreshedAccess)
    ctx.refreshedAccess = {
      userId: user.id,
      token: { accessToken: refreshedAccess.token, expiresAt: refreshedAccess.expiresAt },
    };
  return user;
}

/** Contact details are for the user and admins only; everyone else reads null. */
const canSeePrivate = (user: User, ctx: IdentityContext) =>
  ctx.viewer?.userId === user.id || ctx.signedInAs === user.id || holdsRole(ctx.viewer, 'ADMIN');

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user, or null.' })
  me(@Ctx() ctx: IdentityContext) {
    return ctx.viewer ? ctx.loaders.user.load(ctx.viewer.userId) : null;
  }

  @Query(() => User, { nullable: true, description: 'A user, by `id` or by `username` (give one).' })
  async user(
    @Arg('id', () => ID, { nullable: true }) id: string | null,
    @Arg('username', () => String, { nullable: true }) username: string | null,
    @Ctx() ctx: IdentityContext,
  ) {
    if ((id == null) === (username == null))
      throw badInput('Give either id or username.', id == null ? 'id' : 'username');
    const user =
      id != null
        ? isUuid(id)
          ? await ctx.loaders.user.load(id.toLowerCase())
          : null
        : await ctx.services.accounts.byUsername(username!);
    if (!user) throw notFound('User');
    return user;
  }

  @FieldResolver(() => String, { nullable: true })
  email(@Root() user: User, @Ctx() ctx: IdentityContext) {
    return canSeePrivate(user, ctx) ? user.email : null;
  }

  @FieldResolver(() => Boolean, { nullable: true })
  emailVerified(@Root() user: User, @Ctx() ctx: IdentityContext) {
    return canSeePrivate(user, ctx) ? user.emailVerified : null;
  }

  @FieldResolver(() => String, { nullable: true })
  phone(@Root() user: User, @Ctx() ctx: IdentityContext) {
    return canSeePrivate(user, ctx) ? user.phone : null;
  }

  @FieldResolver(() => Boolean, { nullable: true })
  phoneVerified(@Root() user: User, @Ctx() ctx: IdentityContext) {
    return canSeePrivate(user, ctx) ? user.phoneVerified : null;
  }

  @Mutation(() => User, { nullable: true })
  updateProfile(@Arg('input') input: UpdateProfileInput, @Ctx() ctx: IdentityContext) {
    return ctx.services.accounts.updateProfile(requireViewer(ctx.viewer), input, ctx.client);
  }

  @Mutation(() => Boolean, { nullable: true, description: 'Also signs out every other session.' })
  changePassword(
    @Arg('currentPassword') currentPassword: string,
    @Arg('newPassword') newPassword: string,
    @Ctx() ctx: IdentityContext,
  ) {
    return ctx.services.accounts.changePassword(requireViewer(ctx.viewer), currentPassword, newPassword, ctx.client);
  }

  @Mutation(() => User, {
    nullable: true,
    description:
      'Anyone may sell. Access tokens issued from now on carry the role; select `refreshedAccess` for one at once.',
  })
  becomeSeller(@Ctx() ctx: IdentityContext) {
    return takeRole(ctx, Role.SELLER);
  }

  @Mutation(() => User, {
    nullable: true,
    description:
      'Anyone may teach. Access tokens issued from now on carry the role; select `refreshedAccess` for one at once.',
  })
  becomeInstructor(@Ctx() ctx: IdentityContext) {
    return takeRole(ctx, Role.INSTRUCTOR);
  }

  @FieldResolver(() => RefreshedAccess, {
    nullable: true,
    description:
      'Only in the answer to becomeSeller or becomeInstructor, when that call gave you the role: an access ' +
      'token for your ' +
      'current session that carries it (send it from now on; your refresh token stays as it is). Null everywhere else.',
  })
  refreshedAccess(@Root() user: User, @Ctx() ctx: IdentityContext) {
    return ctx.refreshedAccess?.userId === user.id ? ctx.refreshedAccess.token : null;
  }

  @Mutation(() => User, { nullable: true, description: 'Admins only.' })
  grantRole(@Arg('userId', () => ID) userId: string, @Arg('role', () => Role) role: Role, @Ctx() ctx: IdentityContext) {
    return ctx.services.accounts.grantRole(requireViewer(ctx.viewer), userId, role, true, ctx.client);
  }

  @Mutation(() => Int, {
    nullable: true,
    description:
      'Admins only: announces every account to the other subgraphs again (after adding a subgraph, or to ' +
      'repair a read model). Returns how many.',
  })
  resyncAccounts(@Ctx() ctx: IdentityContext) {
    return ctx.services.accounts.resync(requireViewer(ctx.viewer));
  }

  @Mutation(() => User, { nullable: true, description: 'Admins only.' })
  revokeRole(
    @Arg('userId', () => ID) userId: string,
    @Arg('role', () => Role) role: Role,
    @Ctx() ctx: IdentityContext,
  ) {
    return ctx.services.accounts.grantRole(requireViewer(ctx.viewer), userId, role, false, ctx.client);
  }
}
