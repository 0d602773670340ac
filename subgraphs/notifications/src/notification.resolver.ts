import { requireViewer } from '@peerlink/platform/auth/viewer';
import { liveDirective } from '@peerlink/platform/graphql/live';
import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { NotificationsContext } from './context.js';
import { Notification, NotificationConnection } from './notification.entity.js';
import { NotificationPreference, NotificationPreferenceInput } from './preference.entity.js';

@Resolver(() => Notification)
export class NotificationResolver {
  @Query(() => NotificationConnection, { nullable: true, description: 'Your notifications, newest first.' })
  notifications(
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('unreadOnly', () => Boolean, { nullable: true }) unreadOnly: boolean | null,
    @Ctx() ctx: NotificationsContext,
  ) {
    return ctx.services.notifications.list(requireViewer(ctx.viewer), first, after, unreadOnly);
  }

  @Query(() => Notification, { nullable: true, description: 'One of your notifications.' })
  notification(@Arg('id', () => ID) id: string, @Ctx() ctx: NotificationsContext) {
    return ctx.services.notifications.byId(requireViewer(ctx.viewer), id, ctx.loaders.notification);
  }

  @Query(() => Int, { nullable: true })
  unreadNotificationCount(@Ctx() ctx: NotificationsContext) {
    return ctx.services.notifications.unreadCount(requireViewer(ctx.viewer));
  }

  @Mutation(() => Int, { nullable: true, description: 'Marks the given notifications read; returns how many changed.' })
  markNotificationsRead(@Arg('ids', () => [ID]) ids: string[], @Ctx() ctx: NotificationsContext) {
    return ctx.services.notifications.markRead(requireViewer(ctx.viewer), ids);
  }

  @Mutation(() => Int, { nullable: true })
  markAllNotificationsRead(@Ctx() ctx: NotificationsContext) {
    return ctx.services.notifications.markAllRead(requireViewer(ctx.viewer));
  }

  @Query(() => [NotificationPreference], { nullable: true, description: 'How each kind of notification reaches you.' })
  notificationPreferences(@Ctx() ctx: NotificationsContext) {
    return ctx.services.notifications.preferences(requireViewer(ctx.viewer));
  }

  @Mutation(() => [NotificationPreference], { nullable: true })
  updateNotificationPreferences(
    @Arg('input', () => [NotificationPreferenceInput]) input: NotificationPreferenceInput[],
    @Ctx() ctx: NotificationsContext,
  ) {
    return ctx.services.notifications.updatePreferences(requireViewer(ctx.viewer), input);
  }

  @Mutation(() => Int, {
    nullable: true,
    description:
      'Admins only: a SYSTEM notification to every user; returns how many received it. Sent again with the ' +
      'same idempotencyKey, it announces nothing more and returns the same number.',
  })
  sendAnnouncement(
    @Arg('title') title: string,
    @Arg('body') body: string,
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description: 'Chosen by the client, 1 to 200 characters; one announcement per key and admin.',
    })
    idempotencyKey: string | null,
    @Ctx() ctx: NotificationsContext,
  ) {
    return ctx.services.announcements.announce(requireViewer(ctx.viewer), title, body, idempotencyKey);
  }

  @Directive(
    liveDirective({ subject: 'notifications.notification.created', lookup: 'notification', audience: 'recipientId' }),
  )
  @Subscription(() => Notification, {
    nullable: true,
    topics: 'served-by-the-gateway',
    description: 'Your new notifications, as they arrive.',
  })
  notificationAdded(@Root() notification: Notification) {
    return notification;
  }
}
