/**
 * Live subscriptions held per user (across connections) and per client address, reserved when a
 * subscribe message is accepted so that many sent at once cannot all slip under a cap.
 */
export class SubscriptionCaps {
  private readonly perUser = new Map<string, number>();
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly maxPerUser: number,
    private readonly maxPerAddress: number,
  ) {}

  /** Reserves a place, or says which cap refuses it. */
  take(userId: string, address: string): string | null {
    if ((this.perUser.get(userId) ?? 0) >= this.maxPerUser) return `At most ${this.maxPerUser} subscriptions per user.`;
    if ((this.perAddress.get(address) ?? 0) >= this.maxPerAddress)
      return `At most ${this.maxPerAddress} subscriptions per client address.`;
    add(this.perUser, userId, 1);
    add(this.perAddress, address, 1);
    return null;
  }

  release(userId: string, address: string) {
    add(this.perUser, userId, -1);
    add(this.perAddress, address, -1);
  }

  heldFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }
}

function add(counts: Map<string, number>, key: string, delta: number) {
  const count = (counts.get(key) ?? 0) + delta;
  if (count > 0) counts.set(key, count);
  else counts.delete(key);
}
