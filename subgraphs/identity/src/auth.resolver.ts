import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, Field, InputType, Mutation, ObjectType, Resolver } from 'type-graphql';
import type { AuthResult } from './auth.service.js';
import type { IdentityContext } from './context.js';
import { User } from './user.entity.js';

@InputType()
export class RegisterInput {
  @Field()
  email!: string;

  @Field()
  username!: string;

  @Field()
  password!: string;

  @Field()
  displayName!: string;
}

@InputType()
export class LoginInput {
  @Field({ description: 'Email address or username.' })
  login!: string;

  @Field()
  password!: string;
}

@ObjectType({
  description: 'A signed-in session: send accessToken as `Authorization: Bearer`, keep refreshToken to renew it.',
})
export class AuthPayload {
  @Field()
  accessToken!: string;

  @Field({ description: 'Single use: refreshSession returns a new one.' })
  refreshToken!: string;

  @Field({ description: 'When accessToken stops working.' })
  expiresAt!: Date;

  @Field(() => User)
  user!: User;
}

/** The payload's user is the caller now, so they may read their own email in the same response. */
function signedIn(ctx: IdentityContext, result: AuthResult) {
  ctx.signedInAs = result.user.id;
  return result;
}

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { nullable: true, description: 'Signs up: a new account, signed in.' })
  async createAccount(@Arg('input') input: RegisterInput, @Ctx() ctx: IdentityContext) {
    return signedIn(ctx, await ctx.services.auth.register(input, ctx.client));
  }

  @Mutation(() => AuthPayload, { nullable: true, deprecationReason: 'Use createAccount.' })
  register(@Arg('input') input: RegisterInput, @Ctx() ctx: IdentityContext) {
    return this.createAccount(input, ctx);
  }

  @Mutation(() => AuthPayload, {
    nullable: true,
    description: 'Signs in with an email address or username and the password.',
  })
  async createSession(@Arg('input') input: LoginInput, @Ctx() ctx: IdentityContext) {
    return signedIn(ctx, await ctx.services.auth.login(input, ctx.client));
  }

  @Mutation(() => AuthPayload, { nullable: true, deprecationReason: 'Use createSession.' })
  login(@Arg('input') input: LoginInput, @Ctx() ctx: IdentityContext) {
    return this.createSession(input, ctx);
  }

  @Mutation(() => AuthPayload, {
    nullable: true,
    description: 'Trades a refresh token for new tokens. Reusing an old one ends the session.',
  })
  async refreshSession(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: IdentityContext) {
    return signedIn(ctx, await ctx.services.auth.refresh(refreshToken, ctx.client));
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description: 'Signs out: ends the session of the given refresh token, or the current one.',
  })
  endSession(
    @Arg('refreshToken', () => String, { nullable: true }) refreshToken: string | null,
    @Ctx() ctx: IdentityContext,
  ) {
    return ctx.services.auth.logout(requireViewer(ctx.viewer), refreshToken, ctx.client);
  }

  @Mutation(() => Boolean, { nullable: true, deprecationReason: 'Use endSession.' })
  logout(
    @Arg('refreshToken', () => String, { nullable: true }) refreshToken: string | null,
    @Ctx() ctx: IdentityContext,
  ) {
    return this.endSession(refreshToken, ctx);
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description: 'Signs out everywhere: ends every session of the signed-in user.',
  })
  endAllSessions(@Ctx() ctx: IdentityContext) {
    return ctx.services.auth.logoutEverywhere(requireViewer(ctx.viewer), ctx.client);
  }

  @Mutation(() => Boolean, { nullable: true, deprecationReason: 'Use endAllSessions.' })
  logoutEverywhere(@Ctx() ctx: IdentityContext) {
    return this.endAllSessions(ctx);
  }
}
