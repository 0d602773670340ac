import { requireViewer } from '@peerlink/platform/auth/viewer';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { IdentityContext } from './context.js';
import { User } from './user.entity.js';

@Resolver()
export class VerificationResolver {
  @Mutation(() => Boolean, { nullable: true, description: 'Emails a link to confirm the address.' })
  requestEmailVerification(@Ctx() ctx: IdentityContext) {
    return ctx.services.verifications.requestEmailVerification(requireViewer(ctx.viewer), ctx.client);
  }

  @Mutation(() => User, { nullable: true, description: 'Redeems the token from the verification email.' })
  verifyEmail(@Arg('token') token: string, @Ctx() ctx: IdentityContext) {
    return ctx.services.verifications.verifyEmail(token, ctx.client);
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description: 'Texts a six-digit code to the number; it becomes yours once verified.',
  })
  requestPhoneVerification(@Arg('phone') phone: string, @Ctx() ctx: IdentityContext) {
    return ctx.services.verifications.requestPhoneVerification(requireViewer(ctx.viewer), phone, ctx.client);
  }

  @Mutation(() => User, { nullable: true })
  verifyPhone(@Arg('code') code: string, @Ctx() ctx: IdentityContext) {
    return ctx.services.verifications.verifyPhone(requireViewer(ctx.viewer), code, ctx.client);
  }

  @Mutation(() => Boolean, { nullable: true, description: 'Always true, whether or not the address has an account.' })
  requestPasswordReset(@Arg('email') email: string, @Ctx() ctx: IdentityContext) {
    return ctx.services.verifications.requestPasswordReset(email);
  }

  @Mutation(() => Boolean, {
    nullable: true,
    description: 'Sets a new password with the emailed token and signs out every session.',
  })
  resetPassword(@Arg('token') token: string, @Arg('newPassword') newPassword: string, @Ctx() ctx: IdentityContext) {
    return ctx.services.verifications.resetPassword(token, newPassword, ctx.client);
  }
}
